/**
 * When each replica next needs attention (a batch window closing, a queued deadline passing),
 * as a binary min-heap with lazy deletion: a replica's newer wake-up makes its older entries
 * stale, and they are dropped when they reach the top.
 */
interface Entry {
  readonly atMs: number;
  readonly replica: number;
  readonly version: number;
}

export class Wakeups {
  private readonly heap: Entry[] = [];

  push(atMs: number, replica: number, version: number): void {
    const heap = this.heap;
    heap.push({ atMs, replica, version });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.atMs <= heap[i]!.atMs) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  /** The earliest entry that `isCurrent` accepts, dropping stale ones on the way. */
  peek(isCurrent: (replica: number, version: number) => boolean): Entry | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      if (isCurrent(top.replica, top.version)) return top;
      this.pop();
    }
    return undefined;
  }

  pop(): Entry | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left]!.atMs < heap[smallest]!.atMs) smallest = left;
        if (right < heap.length && heap[right]!.atMs < heap[smallest]!.atMs) smallest = right;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
        i = smallest;
      }
    }
    return top;
  }
}
