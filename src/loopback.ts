/**
 * This machine's own addresses: where a development server may listen, and the only hosts a
 * test's fake may be reached at over plain http (never across a network).
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
