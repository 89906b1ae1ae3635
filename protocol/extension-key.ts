/**
 * The public half of Tandem's extension signing key (SubjectPublicKeyInfo DER, base64).
 * It is the manifest `key`, so the extension id is fixed and computable from the repo:
 * the first 16 bytes of SHA-256(DER), hex digits mapped 0-f → a-p.
 */
export const EXTENSION_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmYEIGkOH++qEpvbQ+MdnO4R0tAekqSq4FE6aFvqG5KvUWez73LIIwPNWFHRAatpWtkPoKVKdn5YOg7R5JQNfKXNTwyMMjOLVuZgiIpOOhSvnOelvesQvc3v9/w+MQRAn3/TBXabd+6yb4/VcfROmRPVSDkjWGkShEmDGG7g3ELzANhR8C+6LIgPYeik1VSa47C+4S6SGvGcHRCzVaxoAY+PxEoUHgBD9P1Upqzlb2M/FP/0GVetkxwasZSXOCdJLQRdzIdF4TwEGkNBO5Ac9gMMysmpoyVAP+8eOJdZsYVE2diLgnL7lawQa+0IXyPIpWCNO6/85wmDbI0Q+cXNLbwIDAQAB';
