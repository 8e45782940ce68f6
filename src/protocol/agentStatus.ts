/**
 * The exact status payloads of the FreeRTOS OTA agent v3 (§5.10) and its error codes (§5.11).
 * Payloads are built by concatenation, as the agent does, so byte-for-byte captures match.
 */

export const OtaErr = {
  None: 0x00,
  JobParserError: 0x0c,
  InvalidDataProtocol: 0x0d,
  MomentumAbort: 0x0e,
  DowngradeNotAllowed: 0x0f,
  SameFirmwareVersion: 0x10,
  ImageStateMismatch: 0x11,
  UserAbort: 0x13,
} as const;

export const PalStatus = {
  Uninitialized: 0xe0,
  SignatureCheckFailed: 0xe3,
  RxFileCreateFailed: 0xe4,
  BadSignerCert: 0xe7,
  FileClose: 0xee,
} as const;

export function hex8(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** `major.minor.build` from the packed AppVersion32 (8 | 8 | 16 bits). */
export function versionText(v: number): string {
  return `${(v >>> 24) & 0xff}.${(v >>> 16) & 0xff}.${v & 0xffff}`;
}

export function packVersion(major: number, minor: number, build: number): number {
  return (((major & 0xff) << 24) | ((minor & 0xff) << 16) | (build & 0xffff)) >>> 0;
}

export const statusPayload = {
  receive: (received: number, total: number) =>
    `{"status":"IN_PROGRESS","statusDetails":{"receive":"${received}/${total}"}}`,
  selfTestReady: (version: number) =>
    `{"status":"IN_PROGRESS","statusDetails":{"self_test":"ready","updatedBy":"${hex8(version)}"}}`,
  selfTestActive: (version: number) =>
    `{"status":"IN_PROGRESS","statusDetails":{"self_test":"active",` +
      `"updatedBy":"${hex8(version)}"}}`,
  accepted: (newVersion: number, oldVersion: number) =>
    `{"status":"SUCCEEDED","statusDetails":{"reason":"accepted  v${versionText(newVersion)}",` +
    `"updatedBy":"  v${versionText(oldVersion)}"}}`,
  rejected: (sub: number) =>
    `{"status":"FAILED","statusDetails":{"reason":"rejected: ${hex8(sub)}"}}`,
  aborted: (sub: number) =>
    `{"status":"FAILED","statusDetails":{"reason":"aborted: ${hex8(sub)}"}}`,
  failedWithVal: (main: number, sub: number) =>
    `{"status":"FAILED","statusDetails":{"reason":"${hex8(main)}: ${hex8(sub)}"}}`,
};
