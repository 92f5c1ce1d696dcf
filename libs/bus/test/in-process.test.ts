import { InProcessBus } from '../src';
import { describeBusContract } from './contract';

// In-process: every "client" shares one bus, as services do inside `npm start`.
let shared: InProcessBus | undefined;
describeBusContract('in-process', () => ({
  async connect(onHandlerError) {
    if (!shared || shared.state() === 'closed') shared = new InProcessBus({ onHandlerError });
    return shared;
  },
}));
