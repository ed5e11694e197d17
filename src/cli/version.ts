/** The package version, shown by `rrvm --version` and written into log headers. */
export const RRVM_VERSION = '0.1.0';
