import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Knowledge } from '../src/index';
import { KnowledgeError, KnowledgeStore, LocalKnowledgeSearch, loadKnowledgeFile } from '../src/index';
import { minimalYaml } from './helpers';

/** Polls until the condition holds; file events arrive asynchronously. */
async function eventually(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const named = (name: string): string => minimalYaml({ business: `business:\n  name: ${name}\n  timezone: America/New_York` });
const watchers = (): number => process.getActiveResourcesInfo().filter((resource) => resource === 'FSEventWrap').length;

describe('loadKnowledgeFile', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knowledge-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and validates a file, naming it in errors', async () => {
    const path = join(dir, 'shop.yaml');
    await writeFile(path, named('Corner Cuts'));
    expect((await loadKnowledgeFile(path)).business.name).toBe('Corner Cuts');
    expect((await loadKnowledgeFile(path)).source).toBe(path);
    await writeFile(path, 'business: [\n');
    await expect(loadKnowledgeFile(path)).rejects.toThrow(`${path} has 1 problem`);
  });

  it('reports a missing file as a KnowledgeError', async () => {
    const error = await loadKnowledgeFile(join(dir, 'missing.yaml')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KnowledgeError);
    expect((error as KnowledgeError).problems[0]?.message).toMatch(/^cannot read the file: ENOENT/);
  });
});

describe('KnowledgeStore', () => {
  let dir: string;
  let path: string;
  let store: KnowledgeStore | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'knowledge-'));
    path = join(dir, 'knowledge.yaml');
    await writeFile(path, named('First'));
  });
  afterEach(async () => {
    store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to open on a bad file', async () => {
    await writeFile(path, named('First').replace('America/New_York', 'Nowhere/Land'));
    await expect(KnowledgeStore.open(path, { watch: false })).rejects.toBeInstanceOf(KnowledgeError);
  });

  it('hot-reloads when the file changes on disk', async () => {
    const seen: Knowledge[] = [];
    store = await KnowledgeStore.open(path, { debounceMs: 20 });
    store.onChange((knowledge) => seen.push(knowledge));
    expect(store.current().business.name).toBe('First');

    await writeFile(path, named('Second'));
    await eventually(() => store?.current().business.name === 'Second', 'the reload');
    expect(seen.map((knowledge) => knowledge.business.name)).toEqual(['Second']);
  });

  it('follows editors that save by renaming a new file over the old one', async () => {
    store = await KnowledgeStore.open(path, { debounceMs: 20 });
    const temporary = join(dir, '.knowledge.yaml.swp');
    await writeFile(temporary, named('Renamed'));
    await rename(temporary, path);
    await eventually(() => store?.current().business.name === 'Renamed', 'the reload after rename');
  });

  it('follows a Kubernetes ConfigMap update (the ..data symlink swapped to a new folder)', async () => {
    // The layout kubelet mounts: knowledge.yaml -> ..data/knowledge.yaml, ..data -> ..<timestamp>.
    const mount = join(dir, 'mount');
    await mkdir(join(mount, '..v1'), { recursive: true });
    await writeFile(join(mount, '..v1', 'knowledge.yaml'), named('First'));
    await symlink('..v1', join(mount, '..data'));
    await symlink(join('..data', 'knowledge.yaml'), join(mount, 'knowledge.yaml'));
    store = await KnowledgeStore.open(join(mount, 'knowledge.yaml'), { debounceMs: 20 });
    expect(store.current().business.name).toBe('First');

    await mkdir(join(mount, '..v2'));
    await writeFile(join(mount, '..v2', 'knowledge.yaml'), named('Second'));
    await symlink('..v2', join(mount, '..data_tmp'));
    await rename(join(mount, '..data_tmp'), join(mount, '..data'));
    await eventually(() => store?.current().business.name === 'Second', 'the ConfigMap update');
  });

  it('keeps the last good knowledge when the file breaks, reports why, and recovers', async () => {
    const problems: KnowledgeError[] = [];
    const changes: string[] = [];
    store = await KnowledgeStore.open(path, { debounceMs: 20, onProblems: (error) => problems.push(error) });
    store.onChange((knowledge) => changes.push(knowledge.business.name));

    await writeFile(path, named('Broken').replace('timezone: America/New_York', 'timezone: Atlantis/Capital'));
    await eventually(() => problems.length > 0, 'the problem report');
    expect(store.current().business.name).toBe('First');
    expect(problems[0]?.problems).toEqual([
      { path: 'business.timezone', line: 3, message: '"Atlantis/Capital" is not a known IANA time zone; use a name like America/New_York or Europe/London' },
    ]);
    expect(problems[0]?.message).toContain(path);
    expect(changes).toEqual([]);

    await writeFile(path, named('Fixed'));
    await eventually(() => store?.current().business.name === 'Fixed', 'the recovery');
    expect(changes).toEqual(['Fixed']);
  });

  it('reports a deleted file and keeps serving the last knowledge', async () => {
    const problems: KnowledgeError[] = [];
    store = await KnowledgeStore.open(path, { debounceMs: 20, onProblems: (error) => problems.push(error) });
    await rm(path);
    await eventually(() => problems.length > 0, 'the problem report');
    expect(problems[0]?.problems[0]?.message).toMatch(/^cannot read the file/);
    expect(store.current().business.name).toBe('First');
  });

  it('reload() applies a change at once and ignores unchanged content', async () => {
    store = await KnowledgeStore.open(path, { watch: false });
    expect(store.watching).toBe(false);
    expect(await store.reload()).toBe(false);
    await writeFile(path, named('Manual'));
    expect(await store.reload()).toBe(true);
    expect(store.current().business.name).toBe('Manual');
    expect(await store.reload()).toBe(false);
  });

  it('a listener that throws does not stop the others', async () => {
    const listenerErrors: unknown[] = [];
    store = await KnowledgeStore.open(path, { watch: false, onListenerError: (error) => listenerErrors.push(error) });
    const seen: string[] = [];
    store.onChange(() => {
      throw new Error('listener bug');
    });
    const unsubscribe = store.onChange((knowledge) => seen.push(knowledge.business.name));
    await writeFile(path, named('Again'));
    await store.reload();
    expect(seen).toEqual(['Again']);
    expect(listenerErrors).toEqual([new Error('listener bug')]);
    unsubscribe();
    await writeFile(path, named('Unheard'));
    await store.reload();
    expect(seen).toEqual(['Again']);
  });

  it('close() releases the watcher and stops reloading', async () => {
    const before = watchers();
    store = await KnowledgeStore.open(path, { debounceMs: 20 });
    expect(store.watching).toBe(true);
    expect(watchers()).toBe(before + 1);

    store.close();
    expect(store.watching).toBe(false);
    // The handle goes away once the event loop has processed the close.
    await eventually(() => watchers() === before, 'the watcher handle to close');
    await writeFile(path, named('After close'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(store.current().business.name).toBe('First');
    expect(await store.reload()).toBe(false);
  });

  it('drives a search index that rebuilds on reload', async () => {
    store = await KnowledgeStore.open(path, { debounceMs: 20 });
    const search = LocalKnowledgeSearch.following(store);
    expect(search.searchNow('do you do beard trims')[0]?.fact.id).not.toBe('service:beard');

    await writeFile(path, minimalYaml({ services: 'services:\n  - id: beard\n    name: Beard trim\n    price: 15' }));
    await eventually(() => search.searchNow('do you do beard trims')[0]?.fact.id === 'service:beard', 'the index rebuild');
    search.close();
  });
});
