import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type {
  AnyAuthMethod,
  AuthenticationType,
  AuthHandlerMiddleware,
  KeyboardInteractiveCallback,
  ParsedKey,
  Prompt,
} from 'ssh2';
import { TandemError, type SshAuth } from '../../../protocol/index.js';
import { expandHome } from './ssh-config.js';

export interface AuthContext {
  username: string;
  /** "admin@db1", for messages. */
  who: string;
  agentSocket: string | undefined;
  /** IdentityFile values from ssh_config, used when a key auth names no file. */
  identityFiles: readonly string[];
  /** Ends the connection attempt with this error (an unanswerable prompt). */
  abort: (error: TandemError) => void;
}

export interface AuthPlan {
  authHandler: AuthHandlerMiddleware;
  /** The error to report when the server rejects every attempt. */
  rejected: () => TandemError;
}

/**
 * Turns the one auth method the user chose into an ssh2 auth handler that tries exactly
 * that (no silent fallbacks to other credentials). Secrets stay in closures: never in
 * messages, details or logs.
 */
export async function planAuth(auth: SshAuth, context: AuthContext): Promise<AuthPlan> {
  const { who } = context;
  let offered: AuthenticationType[] | undefined;
  const methods = await authMethods(auth, context);
  let next = 0;
  // ssh2 also accepts the next method as the return value; `false` means "give up".
  const authHandler = (authsLeft: AuthenticationType[] | null): AnyAuthMethod | false => {
    if (authsLeft !== null) offered = authsLeft;
    // Skip methods the server has said it does not take (known after the first attempt).
    for (let method = methods[next++]; method !== undefined; method = methods[next++]) {
      if (offered === undefined || offered.includes(method.type)) return method;
    }
    return false;
  };
  const rejected = (): TandemError => {
    if (offered !== undefined && !methods.some((method) => offered?.includes(method.type))) {
      return new TandemError(
        'unauthorized',
        `${who} does not accept ${describe(auth)} sign-in (it offers: ${offered.join(', ')}) — choose one of those methods`,
        { offered },
      );
    }
    return new TandemError('unauthorized', `Authentication failed for ${who} — ${advice(auth)}`);
  };
  return { authHandler, rejected };
}

async function authMethods(auth: SshAuth, context: AuthContext): Promise<AnyAuthMethod[]> {
  const { username } = context;
  switch (auth.method) {
    case 'agent': {
      if (context.agentSocket === undefined || context.agentSocket === '') {
        throw new TandemError(
          'unauthorized',
          'No ssh-agent is running (SSH_AUTH_SOCK is not set) — start ssh-agent and add your key with ssh-add, or sign in with a key file or password',
        );
      }
      return [{ type: 'agent', username, agent: context.agentSocket }];
    }
    case 'key': {
      const file = auth.path !== '' ? expandHome(auth.path) : context.identityFiles[0];
      if (file === undefined) {
        throw new TandemError('unauthorized', 'No key file given — choose a private key file');
      }
      const key = await loadPrivateKey(file, auth.passphrase);
      return [{ type: 'publickey', username, key }];
    }
    case 'password': {
      const { password } = auth;
      // Servers that sign in through PAM often offer only keyboard-interactive with a single
      // "Password:" prompt; answer that one prompt with the password, as OpenSSH's ssh does.
      return [
        { type: 'password', username, password },
        {
          type: 'keyboard-interactive',
          username,
          prompt: (_name, _instructions, _lang, prompts, finish) => {
            if (prompts.length <= 1) return finish(prompts.map(() => password));
            context.abort(
              new TandemError(
                'unauthorized',
                `${context.who} asks ${prompts.length} questions to sign in — use keyboard-interactive sign-in and answer each prompt`,
                { prompts: prompts.map((prompt) => prompt.prompt) },
              ),
            );
          },
        },
      ];
    }
    case 'keyboard-interactive':
      return [
        { type: 'keyboard-interactive', username, prompt: answerPrompts(auth.responses, context) },
      ];
  }
}

/** Answers prompts in order from the responses, across as many rounds as the server asks. */
function answerPrompts(
  responses: readonly string[],
  context: AuthContext,
): (
  name: string,
  instructions: string,
  lang: string,
  prompts: Prompt[],
  finish: KeyboardInteractiveCallback,
) => void {
  let used = 0;
  const asked: string[] = [];
  return (_name, _instructions, _lang, prompts, finish) => {
    asked.push(...prompts.map((prompt) => prompt.prompt));
    if (used + prompts.length > responses.length) {
      context.abort(
        new TandemError(
          'unauthorized',
          `${context.who} asked ${asked.length} question${asked.length === 1 ? '' : 's'} but only ${responses.length} answer${responses.length === 1 ? ' was' : 's were'} given — answer every prompt and connect again`,
          { prompts: asked },
        ),
      );
      return;
    }
    const answers = responses.slice(used, used + prompts.length);
    used += prompts.length;
    finish(answers);
  };
}

async function loadPrivateKey(file: string, passphrase: string | undefined): Promise<ParsedKey> {
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : 'error';
    throw new TandemError(
      'unauthorized',
      `Could not read the key file ${file} (${code}) — check the path and that you may read it`,
    );
  }
  const parsed = ssh2.utils.parseKey(data, passphrase);
  if (!(parsed instanceof Error)) return parsed;
  if (/no passphrase given/i.test(parsed.message)) {
    throw new TandemError(
      'unauthorized',
      `The key ${file} is protected by a passphrase — enter its passphrase`,
      {
        passphraseNeeded: true,
      },
    );
  }
  if (/passphrase|decrypt/i.test(parsed.message)) {
    throw new TandemError('unauthorized', `The passphrase for ${file} is wrong — enter it again`, {
      passphraseNeeded: true,
    });
  }
  throw new TandemError(
    'unauthorized',
    `${file} is not a private key Tandem can read (${parsed.message}) — choose an OpenSSH or PEM private key`,
  );
}

function describe(auth: SshAuth): string {
  switch (auth.method) {
    case 'agent':
      return 'ssh-agent';
    case 'key':
      return 'key';
    case 'password':
      return 'password';
    case 'keyboard-interactive':
      return 'keyboard-interactive';
  }
}

function advice(auth: SshAuth): string {
  switch (auth.method) {
    case 'agent':
      return 'check the user name and that ssh-agent holds a key the server accepts (ssh-add -l)';
    case 'key':
      return `check the user name and that the public key of ${auth.path} is in the server's authorized_keys`;
    case 'password':
      return 'check the user name and password';
    case 'keyboard-interactive':
      return 'check the user name and your answers to the prompts';
  }
}
