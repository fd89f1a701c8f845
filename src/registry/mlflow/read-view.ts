/**
 * One command's view of the registry (issue 11, "count whole commands"): each object read
 * once per command. A command (one registry object, as the CLI and the action open one per
 * command) reads the registered model, the versions and the runs it needs once; any write
 * forgets everything, so what is read after a write is read afresh, and a write's own
 * race check (the alias re-read just before it moves) never comes from here.
 */
export class ReadView {
  private readonly entries = new Map<string, Promise<unknown>>()

  /** The cached answer for `key`, else `load()`'s (a failed load is not kept). */
  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const seen = this.entries.get(key)
    if (seen) return seen as Promise<T>
    const loading = load()
    this.entries.set(key, loading)
    loading.catch(() => {
      if (this.entries.get(key) === loading) this.entries.delete(key)
    })
    return loading
  }

  clear(): void {
    this.entries.clear()
  }
}
