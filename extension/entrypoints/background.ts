import { defineBackground } from 'wxt/utils/define-background';
import { startBackground } from '../lib/background-main.js';

export default defineBackground(() => startBackground());
