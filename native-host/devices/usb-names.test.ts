import { describe, expect, it } from 'vitest';
import { usbProductName, usbVendorName } from './usb-names.js';

describe('USB-serial names', () => {
  it('names the common chips by vendor and product id', () => {
    expect([usbVendorName('0403'), usbProductName('0403', '6001')]).toEqual([
      'FTDI',
      'FT232R USB UART',
    ]);
    expect([usbVendorName('067b'), usbProductName('067b', '2303')]).toEqual([
      'Prolific',
      'PL2303 USB-serial',
    ]);
    expect([usbVendorName('10c4'), usbProductName('10c4', 'ea60')]).toEqual([
      'Silicon Labs',
      'CP210x USB-UART bridge',
    ]);
    expect([usbVendorName('1a86'), usbProductName('1a86', '7523')]).toEqual([
      'WCH',
      'CH340 USB-serial',
    ]);
  });

  it('reads ids in either case and knows nothing of other devices', () => {
    expect(usbProductName('10C4', 'EA60')).toBe('CP210x USB-UART bridge');
    expect(usbVendorName('2341')).toBeUndefined();
    expect(usbProductName('0403', 'ffff')).toBeUndefined();
    expect(usbProductName(undefined, '6001')).toBeUndefined();
  });
});
