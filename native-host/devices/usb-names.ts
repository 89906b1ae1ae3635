/**
 * Names for the USB-serial chips field techs meet, by USB vendor and product id, for when the
 * adapter reports no strings of its own (most CH340 and many PL2303 clones report none) or
 * only a vendor. Ids as serialport and sysfs give them: lowercase 4-digit hex.
 */
const VENDORS: Record<string, string> = {
  '0403': 'FTDI',
  '067b': 'Prolific',
  '10c4': 'Silicon Labs',
  '1a86': 'WCH',
  '05a6': 'Cisco',
};

const PRODUCTS: Record<string, string> = {
  '0403:6001': 'FT232R USB UART',
  '0403:6010': 'FT2232 dual USB UART',
  '0403:6011': 'FT4232 quad USB UART',
  '0403:6014': 'FT232H USB UART',
  '0403:6015': 'FT-X series USB UART',
  '067b:2303': 'PL2303 USB-serial',
  '067b:23a3': 'PL2303GC USB-serial',
  '067b:23c3': 'PL2303GT USB-serial',
  '067b:23d3': 'PL2303GL USB-serial',
  '10c4:ea60': 'CP210x USB-UART bridge',
  '10c4:ea70': 'CP2105 dual USB-UART bridge',
  '10c4:ea71': 'CP2108 quad USB-UART bridge',
  '1a86:7523': 'CH340 USB-serial',
  '1a86:5523': 'CH341 USB-serial',
  '1a86:55d4': 'CH9102 USB-serial',
  '05a6:0009': 'USB console port',
};

/** The vendor's name for a USB vendor id, when it is one of the well-known serial chip makers. */
export function usbVendorName(vendorId: string | undefined): string | undefined {
  return vendorId === undefined ? undefined : VENDORS[vendorId.toLowerCase()];
}

/** The chip's name for a vendor:product pair, when it is a well-known USB-serial chip. */
export function usbProductName(
  vendorId: string | undefined,
  productId: string | undefined,
): string | undefined {
  if (vendorId === undefined || productId === undefined) return undefined;
  return PRODUCTS[`${vendorId.toLowerCase()}:${productId.toLowerCase()}`];
}
