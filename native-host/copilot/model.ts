/**
 * The optional language model: any OpenAI-compatible chat-completions endpoint (Ollama, a
 * llama.cpp server, LiteLLM, OpenAI). Configured in the agent's environment only; nothing is
 * sent unless it is, and then only what the asker saw in the preview and agreed to.
 */
import { TandemError } from '../../protocol/index.js';

export interface ModelConfig {
  /** Up to and including `/v1`: the request goes to `<baseUrl>/chat/completions`. */
  baseUrl: string;
  apiKey?: string;
  model: string;
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

const OPENAI = 'https://api.openai.com/v1';
const DEFAULT_MODEL = 'gpt-4o-mini';
/** A model that has said nothing for this long is given up on. */
const TIMEOUT_MS = 120_000;
/** An answer is cut here (the thread's Markdown limit is 64 KiB). */
export const MAX_ANSWER_CHARS = 60_000;

/**
 * `TANDEM_AI_BASE_URL`, `TANDEM_AI_API_KEY`, `TANDEM_AI_MODEL`, falling back to
 * `OPENAI_BASE_URL` / `OPENAI_API_KEY`; undefined when neither a URL nor a key is set.
 */
export function modelConfig(env: NodeJS.ProcessEnv = process.env): ModelConfig | undefined {
  const baseUrl = env.TANDEM_AI_BASE_URL ?? env.OPENAI_BASE_URL;
  const apiKey = env.TANDEM_AI_API_KEY ?? env.OPENAI_API_KEY;
  if (!baseUrl && !apiKey) return undefined;
  const config: ModelConfig = {
    baseUrl: (baseUrl || OPENAI).replace(/\/+$/, ''),
    model: env.TANDEM_AI_MODEL || DEFAULT_MODEL,
  };
  if (apiKey) config.apiKey = apiKey;
  return config;
}

/** Where requests go, without any credentials, as the preview shows it. */
export function endpointOf(config: ModelConfig): string {
  const url = new URL(`${config.baseUrl}/chat/completions`);
  url.username = '';
  url.password = '';
  return url.href;
}

/**
 * Streams the answer: yields the text so far each time more arrives. Speaks server-sent events
 * (`stream: true`) and also takes a plain JSON reply from servers that ignore streaming.
 */
export async function* streamChat(
  config: ModelConfig,
  messages: ChatMessage[],
): AsyncGenerator<string> {
  let response: Response;
  try {
    response = await fetch(`${config.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream, application/json',
        ...(config.apiKey === undefined ? {} : { authorization: `Bearer ${config.apiKey}` }),
      },
      body: JSON.stringify({ model: config.model, messages, stream: true }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new TandemError(
      'internal',
      `The language model at ${endpointOf(config)} could not be reached: ${(error as Error).message}`,
    );
  }
  if (!response.ok || response.body === null) {
    const detail = (await response.text().catch(() => '')).slice(0, 200);
    throw new TandemError(
      'internal',
      `The language model at ${endpointOf(config)} answered ${response.status}${detail ? `: ${detail}` : ''}`,
    );
  }
  let text = '';
  if (!(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
    const body = (await response.json()) as { choices?: { message?: { content?: string } }[] };
    text = body.choices?.[0]?.message?.content ?? '';
    yield text.slice(0, MAX_ANSWER_CHARS);
    return;
  }
  const decoder = new TextDecoder();
  let pending = '';
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    pending += decoder.decode(value, { stream: true });
    const events = pending.split(/\r?\n\r?\n/);
    pending = events.pop() ?? '';
    let grew = false;
    for (const event of events) {
      for (const line of event.split(/\r?\n/)) {
        if (!line.startsWith('data:')) continue;
        const data = line.slice(5).trim();
        if (data === '[DONE]') {
          if (grew) yield text;
          return;
        }
        const delta = parseDelta(data);
        if (delta) {
          text = (text + delta).slice(0, MAX_ANSWER_CHARS);
          grew = true;
        }
      }
    }
    if (grew) yield text;
  }
}

function parseDelta(data: string): string | undefined {
  try {
    const value = JSON.parse(data) as { choices?: { delta?: { content?: string } }[] };
    return value.choices?.[0]?.delta?.content ?? undefined;
  } catch {
    return undefined;
  }
}
