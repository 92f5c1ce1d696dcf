import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Knowledge } from '../domain/model';
import { parseKnowledge } from '../domain/parse';
import { KnowledgeError } from '../domain/problems';
import type { KnowledgeProblemsListener, KnowledgeSource } from '../ports/knowledge-source';

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

async function readKnowledgeText(path: string, label: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new KnowledgeError([{ path: '', message: `cannot read the file: ${reasonOf(error)}` }], label);
  }
}

/** Reads and validates a knowledge file; throws KnowledgeError (unreadable file or every problem in it). */
export async function loadKnowledgeFile(path: string): Promise<Knowledge> {
  return parseKnowledge(await readKnowledgeText(path, path), path);
}

export interface KnowledgeStoreOptions {
  /** Follow changes to the file (default true). */
  readonly watch?: boolean;
  /** Quiet time after the last change before reloading; editors save in several steps (default 150 ms). */
  readonly debounceMs?: number;
  /** Told when a changed file is refused (the previous knowledge stays in force). */
  readonly onProblems?: KnowledgeProblemsListener;
  /** Told when a listener throws (default: a process warning); the other listeners still run. */
  readonly onListenerError?: (error: unknown) => void;
}

/**
 * The knowledge file, kept current: reloaded when it changes on disk, and
 * never replaced by a file that does not validate. The directory is watched
 * rather than the file, so editors that save by writing a new file and
 * renaming it over the old one are followed too, and so are ConfigMap mounts.
 */
export class KnowledgeStore implements KnowledgeSource {
  private readonly changeListeners = new Set<(knowledge: Knowledge) => void>();
  private readonly problemListeners = new Set<KnowledgeProblemsListener>();
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private queue: Promise<boolean> = Promise.resolve(false);
  private closed = false;

  private constructor(
    readonly path: string,
    private knowledge: Knowledge,
    /** The text of the knowledge in force. */
    private goodText: string,
    private readonly debounceMs: number,
    private readonly onListenerError: (error: unknown) => void,
  ) {
    this.lastText = goodText;
  }

  /** The text last read, valid or not: a spurious change event with the same content does nothing. */
  private lastText: string;

  /** Loads the file (throws KnowledgeError if it is unreadable or invalid) and starts following it. */
  static async open(path: string, options: KnowledgeStoreOptions = {}): Promise<KnowledgeStore> {
    const text = await readKnowledgeText(path, path);
    const onListenerError = options.onListenerError ?? ((error: unknown) => process.emitWarning(`knowledge listener failed: ${reasonOf(error)}`));
    const store = new KnowledgeStore(resolve(path), parseKnowledge(text, path), text, options.debounceMs ?? 150, onListenerError);
    if (options.onProblems) store.onProblems(options.onProblems);
    if (options.watch ?? true) store.startWatching();
    return store;
  }

  current(): Knowledge {
    return this.knowledge;
  }

  onChange(listener: (knowledge: Knowledge) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  onProblems(listener: KnowledgeProblemsListener): () => void {
    this.problemListeners.add(listener);
    return () => this.problemListeners.delete(listener);
  }

  /** True while the file is being followed. */
  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /**
   * Reads the file again now. Resolves true when new knowledge took effect,
   * false when the content was unchanged or refused (problems go to the
   * listeners). Reloads run one at a time, in order.
   */
  reload(): Promise<boolean> {
    this.queue = this.queue.then(() => this.reloadOnce());
    return this.queue;
  }

  /** Stops following the file and releases the watcher (which otherwise keeps the process alive); current() keeps answering. */
  close(): void {
    this.closed = true;
    clearTimeout(this.debounce);
    this.debounce = undefined;
    this.watcher?.close();
    this.watcher = undefined;
    this.changeListeners.clear();
    this.problemListeners.clear();
  }

  private startWatching(): void {
    const name = basename(this.path);
    // Keeps the process alive like any open handle until close().
    this.watcher = watch(dirname(this.path), (_event, changed) => {
      // A Kubernetes ConfigMap mount changes by swapping its `..data` symlink, never touching the file's own name.
      if (changed === null || changed === name || changed.startsWith('..data')) this.scheduleReload();
    });
    this.watcher.on('error', (error) => {
      this.watcher?.close();
      this.watcher = undefined;
      this.report(new KnowledgeError([{ path: '', message: `stopped following the file: ${reasonOf(error)}` }], this.path));
    });
  }

  private scheduleReload(): void {
    if (this.closed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.reload();
    }, this.debounceMs);
    this.debounce.unref();
  }

  private async reloadOnce(): Promise<boolean> {
    if (this.closed) return false;
    let text: string;
    try {
      text = await readKnowledgeText(this.path, this.path);
    } catch (error) {
      this.lastText = '';
      this.report(error as KnowledgeError);
      return false;
    }
    if (this.closed || text === this.lastText) return false;
    this.lastText = text;
    // Back to the content in force (after a broken save was fixed by undo): nothing changed.
    if (text === this.goodText) return false;
    let next: Knowledge;
    try {
      next = parseKnowledge(text, this.path);
    } catch (error) {
      this.report(error instanceof KnowledgeError ? error : new KnowledgeError([{ path: '', message: reasonOf(error) }], this.path));
      return false;
    }
    this.knowledge = next;
    this.goodText = text;
    for (const listener of [...this.changeListeners]) this.call(() => listener(next));
    return true;
  }

  private report(error: KnowledgeError): void {
    for (const listener of [...this.problemListeners]) this.call(() => listener(error));
  }

  /** A listener that throws must not stop the others or the store. */
  private call(notify: () => void): void {
    try {
      notify();
    } catch (error) {
      this.onListenerError(error);
    }
  }
}
