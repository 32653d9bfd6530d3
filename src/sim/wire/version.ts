/** What the recorded server answers to common.version(). */
export const SERVER_VERSION = '17.0-20240709';
export const SERVER_VERSION_INFO = [17, 0, 0, 'final', 0, ''];

export function versionInfo(): Record<string, unknown> {
  return { server_version: SERVER_VERSION, server_version_info: [...SERVER_VERSION_INFO], server_serie: '17.0', protocol_version: 1 };
}
