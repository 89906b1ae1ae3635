/** Build-time constants defined in wxt.config.ts. */
declare const __TANDEM_REPO__: string;
declare const __TANDEM_DEBUG__: boolean;

declare module '*.css';
