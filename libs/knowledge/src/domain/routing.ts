import { describeNextOpening } from './hours';
import type { Knowledge, MessageKey, TransferTarget, VipCaller } from './model';

/** Lookups that call routing and the brain make on every call. */

/**
 * A message from the file with its placeholders filled: {business} is the
 * business name, {next_opening} when it next opens ("tomorrow at 9 am").
 */
export function renderMessage(knowledge: Knowledge, key: MessageKey, instant: Date = new Date()): string {
  return knowledge.messages[key].replace(/\{(business|next_opening)\}/g, (_, name: string) =>
    name === 'business' ? knowledge.business.name : describeNextOpening(knowledge, instant) ?? 'another day',
  );
}

/** Where to transfer a caller for a reason ("billing", "complaint"); the default target for any other reason. */
export function transferTargetFor(knowledge: Knowledge, reason?: string): TransferTarget {
  const { transfer } = knowledge;
  const id = (reason !== undefined ? transfer.reasons[reason] : undefined) ?? transfer.defaultTarget;
  const target = transfer.targets[id] ?? transfer.targets[transfer.defaultTarget];
  // Validation guarantees the default target exists.
  if (!target) throw new Error(`transfer target "${id}" is missing`);
  return target;
}

/**
 * The VIP entry for a caller's number. Caller ids arrive in many forms
 * ("+15125550199", "sip:+15125550199@trunk", "5125550199" without the
 * country code), so a national number of 10+ digits matches on its ending.
 */
export function findVipCaller(knowledge: Knowledge, callerNumber: string): VipCaller | undefined {
  const digits = callerNumber.replace(/^sips?:/i, '').replace(/@.*$/, '').replace(/\D/g, '');
  if (digits.length < 7) return undefined;
  return knowledge.vipCallers.find((vip) => {
    const vipDigits = vip.number.slice(1);
    return vipDigits === digits || (digits.length >= 10 && vipDigits.endsWith(digits));
  });
}
