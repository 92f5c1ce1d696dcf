import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';

export interface GrpcServerHandle {
  /** The bound port (the one chosen when 0 was asked for). */
  readonly port: number;
  /** Stops taking calls, lets calls in flight finish for up to `graceMs`, then cuts the rest. */
  stop(graceMs: number): Promise<void>;
}

/** Serves one gRPC service on host:port (plaintext: services are reached inside the cluster). */
export async function serveGrpc<Handlers extends UntypedServiceImplementation>(service: ServiceDefinition<Handlers>, handlers: Handlers, host: string, port: number): Promise<GrpcServerHandle> {
  const server = new Server();
  server.addService(service, handlers);
  // IPv6 literals need brackets in a gRPC address.
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const bound = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, boundPort) => (error ? reject(error) : resolve(boundPort)));
  });
  let stopping: Promise<void> | undefined;
  return {
    port: bound,
    stop: (graceMs) =>
      (stopping ??= new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      })),
  };
}
