import dnsPacket from 'dns-packet';

/** The TXT name every lab server answers with its own name (the article's record). */
export const HEALTH_NAME = 'health.load.balance';
/** The TXT name every lab server answers with the client address it sees. */
export const CLIENT_NAME = 'client.load.balance';

/**
 * Answers one DNS query (wire format): TXT `health.load.balance` = `name`,
 * TXT `client.load.balance` = `client`, anything else NXDOMAIN. Returns
 * `undefined` for input that is not a query (the caller drops it).
 */
export function dnsAnswer(query: Uint8Array, name: string, client: string): Buffer | undefined {
  let packet: dnsPacket.Packet;
  try {
    packet = dnsPacket.decode(Buffer.from(query));
  } catch {
    return undefined;
  }
  if (packet.type !== 'query') return undefined;
  const question = packet.questions?.[0];
  if (!question) return undefined;
  const qname = question.name.toLowerCase().replace(/\.$/, '');
  const text = qname === HEALTH_NAME ? name : qname === CLIENT_NAME ? client : undefined;
  const known = text !== undefined && question.type === 'TXT';
  return dnsPacket.encode({
    type: 'response',
    id: packet.id ?? 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (text === undefined ? 3 : 0),
    questions: [question],
    answers: known ? [{ type: 'TXT', name: question.name, ttl: 0, class: 'IN', data: text }] : [],
  });
}
