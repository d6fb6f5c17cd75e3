using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>The allocation-free parallel loop: every index once, in fixed parts, exceptions passed on, safe when called from several threads or from inside itself.</summary>
public class ForkJoinTests
{
    /// <summary>Adds 1 to each visited element and records which part covered it.</summary>
    private readonly struct Count(int[] visits, int[] partOf, int size) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                Interlocked.Increment(ref visits[i]);
                partOf[i] = from / Math.Max(1, size);
            }
        }
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(7, 1)]
    [InlineData(17, 6)]
    [InlineData(1023, 16)]
    [InlineData(100_000, 64)]
    public void Every_index_is_run_once_in_contiguous_parts_of_whole_grains(int count, int grain)
    {
        int parts = ForkJoin.Parts(count, grain, out int size);
        var visits = new int[count];
        var partOf = new int[count];
        ForkJoin.For(count, grain, new Count(visits, partOf, size));
        Assert.All(visits, v => Assert.Equal(1, v));
        Assert.True(parts <= Math.Max(1, Environment.ProcessorCount));
        if (count == 0) return;
        Assert.True(parts == 1 || size % grain == 0, $"part size {size} is not a whole number of {grain}-grains");
        Assert.Equal((count + size - 1) / size, parts);
        for (int i = 0; i < count; i++) Assert.Equal(i / size, partOf[i]);
    }

    /// <summary>Records, for each index, the thread that ran it and where the range it was run in started.</summary>
    private readonly struct WhoRuns(int[] thread, int[] rangeStart) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                thread[i] = Environment.CurrentManagedThreadId;
                rangeStart[i] = from;
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_loop_told_to_run_alone_runs_the_same_parts_on_the_calling_thread(bool balanced)
    {
        const int Count = 100_000, Grain = 64;
        ForkJoin.Parts(Count, Grain, out int size);
        var thread = new int[Count];
        var start = new int[Count];
        // Several loops: shared, the first one's parts may all be run by the caller before a worker starts.
        for (int loop = 0; loop < 10; loop++)
        {
            ForkJoin.Alone = true;
            try
            {
                if (balanced) ForkJoin.ForBalanced(Count, Grain, new WhoRuns(thread, start));
                else ForkJoin.For(Count, Grain, new WhoRuns(thread, start));
            }
            finally { ForkJoin.Alone = false; }
            Assert.All(thread, t => Assert.Equal(Environment.CurrentManagedThreadId, t));
            for (int i = 0; i < Count; i++) Assert.Equal(i / size * size, start[i]);
        }
        // The switch is this thread's: another thread's loop still shares its parts out.
        ForkJoin.Alone = true;
        bool elsewhere = true;
        try
        {
            var other = new Thread(() => elsewhere = ForkJoin.Alone);
            other.Start();
            other.Join();
        }
        finally { ForkJoin.Alone = false; }
        Assert.False(elsewhere);
    }

    [Fact]
    public void The_cut_depends_only_on_the_count_the_grain_and_the_cores()
    {
        Assert.Equal(0, ForkJoin.Parts(0, 4, out _));
        Assert.Equal(1, ForkJoin.Parts(4, 4, out int whole));
        Assert.Equal(4, whole);
        int cores = Environment.ProcessorCount;
        Assert.Equal(Math.Min(cores, 10), ForkJoin.Parts(10 * 6, 6, out int size));
        Assert.Equal((10 + Math.Min(cores, 10) - 1) / Math.Min(cores, 10) * 6, size);
    }

    /// <summary>Throws from every part that reaches index <c>firstThrowing</c>, naming the part's start.</summary>
    private readonly struct Throw(int firstThrowing) : IRangeBody
    {
        public void Run(int from, int to)
        {
            if (to > firstThrowing) throw new InvalidOperationException($"part from {from}");
        }
    }

    [Fact]
    public void Back_to_back_loops_picked_up_by_a_staying_worker_run_every_index_once()
    {
        // Loops a few microseconds apart, as in a training step: a worker that stayed after one loop
        // claims parts of the next; none may run twice or be lost, whoever takes it.
        const int Count = 64, Loops = 3000;
        int parts = ForkJoin.Parts(Count, 1, out int size);
        var visits = new int[Count];
        var partOf = new int[Count];
        for (int loop = 1; loop <= Loops; loop++)
        {
            ForkJoin.For(Count, 1, new Count(visits, partOf, size));
            if (visits[0] != loop || visits[^1] != loop) Assert.Fail($"loop {loop}: first index visited {visits[0]} times, last {visits[^1]}");
        }
        Assert.All(visits, v => Assert.Equal(Loops, v));
        Assert.True(parts >= 1);
    }

    [Fact]
    public void An_exception_in_any_part_reaches_the_caller_as_itself()
    {
        int parts = ForkJoin.Parts(1000, 1, out int size);
        // Only the last part throws (run by a worker or by the caller, whichever takes it), then every part.
        var last = Assert.Throws<InvalidOperationException>(() => ForkJoin.For(1000, 1, new Throw(999)));
        Assert.Equal($"part from {(parts - 1) * size}", last.Message);
        Assert.Throws<InvalidOperationException>(() => ForkJoin.For(1000, 1, new Throw(0)));
        // The loop still works afterwards.
        var visits = new int[1000];
        ForkJoin.For(1000, 1, new Count(visits, new int[1000], size));
        Assert.All(visits, v => Assert.Equal(1, v));
    }

    /// <summary>Adds 1 to cells[offset + i] for i in the inner range.</summary>
    private readonly struct Row(int[] cells, int offset) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++) Interlocked.Increment(ref cells[offset + i]);
        }
    }

    /// <summary>Each outer index runs an inner loop over its row.</summary>
    private readonly struct Rows(int[] cells, int width) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int row = from; row < to; row++) ForkJoin.For(width, 1, new Row(cells, row * width));
        }
    }

    [Fact]
    public void A_loop_inside_a_loop_runs_every_cell_once()
    {
        const int Height = 37, Width = 41;
        var cells = new int[Height * Width];
        ForkJoin.For(Height, 1, new Rows(cells, Width));
        Assert.All(cells, v => Assert.Equal(1, v));
    }

    [Fact]
    public void Loops_started_by_several_threads_at_once_each_run_their_own_indices()
    {
        const int Threads = 8, Count = 10_007, Rounds = 50;
        var cells = new int[Threads][];
        var starters = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            cells[t] = new int[Count];
            for (int r = 0; r < Rounds; r++) ForkJoin.For(Count, 3, new Row(cells[t], 0));
        })).ToList();
        starters.ForEach(s => s.Start());
        starters.ForEach(s => s.Join());
        Assert.All(cells, c => Assert.All(c, v => Assert.Equal(Rounds, v)));
    }

    /// <summary>Counts each visit and records where every range it was given started.</summary>
    private readonly struct Chunks(int[] visits, int[] startOf) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                Interlocked.Increment(ref visits[i]);
                startOf[i] = from;
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 1)]
    [InlineData(17, 6)]
    [InlineData(32, 1)]
    [InlineData(1023, 16)]
    [InlineData(607_394, 4096)]
    public void A_balanced_loop_runs_every_index_once_in_chunks_of_whole_grains_within_the_parts(int count, int grain)
    {
        int parts = ForkJoin.Parts(count, grain, out int size);
        for (int loop = 0; loop < 200; loop++)
        {
            var visits = new int[count];
            var startOf = new int[count];
            ForkJoin.ForBalanced(count, grain, new Chunks(visits, startOf));
            for (int i = 0; i < count; i++)
            {
                if (visits[i] != 1) Assert.Fail($"loop {loop}: index {i} ran {visits[i]} times");
                // One part is run whole; otherwise a range is one chunk of its part, as ChunkStart cuts it.
                int part = parts == 1 ? 0 : i / size, partStart = part * size, length = parts == 1 ? count : Math.Min(count, partStart + size) - partStart;
                int c = 0;
                while (parts > 1 && ForkJoin.ChunkStart(length, grain, balanced: true, c + 1) <= i - partStart) c++;
                int expected = parts == 1 ? 0 : partStart + ForkJoin.ChunkStart(length, grain, balanced: true, c);
                if (startOf[i] != expected) Assert.Fail($"loop {loop}: index {i} ran in a range from {startOf[i]}, not {expected}");
            }
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(4, 1)]
    [InlineData(17, 6)]
    [InlineData(86, 1)]
    [InlineData(1023, 16)]
    [InlineData(303_697, 4096)]
    public void A_balanced_part_is_cut_into_whole_grains_that_shrink_to_one_at_its_back(int length, int grain)
    {
        int grains = (length + grain - 1) / grain, chunks = ForkJoin.ChunkCount(length, grain, balanced: true);
        var sizes = new List<int>();
        for (int c = 0; c < chunks; c++)
        {
            int from = ForkJoin.ChunkStart(length, grain, balanced: true, c), to = ForkJoin.ChunkStart(length, grain, balanced: true, c + 1);
            Assert.True(to > from, $"chunk {c} of {length} is empty ({from}..{to})");
            Assert.True(from % grain == 0 && (to % grain == 0 || to == length), $"chunk {c} ({from}..{to}) is not whole {grain}-grains");
            int chunkGrains = (to - from + grain - 1) / grain, left = grains - from / grain;
            // At most a quarter of the part, so the owner's first chunks leave work to share; at most half
            // of what is left, so the chunks a helper takes from the back get smaller and smaller.
            Assert.True(chunkGrains <= (grains + 3) / 4 && chunkGrains <= (left + 1) / 2, $"chunk {c} of {length}: {chunkGrains} grains of the {left} left");
            sizes.Add(chunkGrains);
        }
        Assert.Equal(length, ForkJoin.ChunkStart(length, grain, balanced: true, chunks));
        Assert.Equal(1, sizes[^1]);
        if (length == 86) Assert.Equal([22, 22, 21, 11, 5, 3, 1, 1], sizes);
        // A plain loop's part is one chunk.
        Assert.Equal(1, ForkJoin.ChunkCount(length, grain, balanced: false));
        Assert.Equal(length, ForkJoin.ChunkStart(length, grain, balanced: false, 1));
    }

    /// <summary>Records which thread ran each index; the indices of the first part take <c>slow</c> milliseconds each.</summary>
    private readonly struct SlowFirstPart(int[] threadOf, int firstPart, int slow) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                threadOf[i] = Environment.CurrentManagedThreadId;
                if (i < firstPart) Thread.Sleep(slow);
            }
        }
    }

    [Fact]
    public void A_core_done_with_its_part_of_a_balanced_loop_takes_the_last_chunks_of_a_slower_one()
    {
        if (Environment.ProcessorCount < 2) return;   // one core: one part, nothing to share
        int parts = ForkJoin.Parts(8 * Environment.ProcessorCount, 1, out int size);
        Assert.True(parts >= 2);
        // The first part's chunks are slow (its thread descheduled, say); the other cores finish at once
        // and take its last chunks. Other tests' loops may keep the workers busy, so a worker may come only
        // after the caller has run every chunk itself: a few tries.
        string last = "";
        for (int attempt = 0; attempt < 10; attempt++)
        {
            var threadOf = new int[8 * Environment.ProcessorCount];
            ForkJoin.ForBalanced(threadOf.Length, 1, new SlowFirstPart(threadOf, size, 5));
            if (threadOf[0] != threadOf[size - 1]) return;
            last = string.Join(",", threadOf);
        }
        Assert.Fail($"in ten loops no other thread took a chunk of the slow part: {last} (part size {size})");
    }

    /// <summary>The last index of the loop takes <c>slow</c> milliseconds: its thread ends the loop long after the other has run out of work.</summary>
    private readonly struct SlowLastIndex(int[] visits, int slow) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                Interlocked.Increment(ref visits[i]);
                if (i == visits.Length - 1) Thread.Sleep(slow);
            }
        }
    }

    [Fact]
    public void A_worker_waits_for_a_loop_that_runs_on_without_it_and_takes_part_in_the_next()
    {
        if (Environment.ProcessorCount < 2) return;   // one core: one part, no worker
        // Each loop ends with a millisecond on one thread while the other has nothing to do. A worker that
        // left then, 50 µs after its last chunk, had to be queued again for the next loop, a thread
        // woken each time (one work item per loop); it now stays until the loop ends.
        const int Loops = 60;
        var visits = new int[64];
        for (int warm = 0; warm < 5; warm++) ForkJoin.ForBalanced(visits.Length, 1, new SlowLastIndex(visits, 1));
        long before = ForkJoin.WorkItemsQueued;
        for (int loop = 0; loop < Loops; loop++) ForkJoin.ForBalanced(visits.Length, 1, new SlowLastIndex(visits, 1));
        long queued = ForkJoin.WorkItemsQueued - before;
        Assert.All(visits, v => Assert.Equal(Loops + 5, v));
        // Other tests' loops run meanwhile and queue their own items; the counter is process-wide.
        Assert.True(queued < Loops / 2, $"{queued} work items queued for {Loops} back-to-back loops");
    }

    [Fact]
    public void Back_to_back_balanced_and_plain_loops_run_every_index_once()
    {
        const int Indices = 64, Loops = 3000;
        int parts = ForkJoin.Parts(Indices, 1, out int size);
        var visits = new int[Indices];
        for (int loop = 1; loop <= Loops; loop++)
        {
            if (loop % 2 == 0) ForkJoin.ForBalanced(Indices, 1, new Chunks(visits, new int[Indices]));
            else ForkJoin.For(Indices, 1, new Count(visits, new int[Indices], size));
            if (visits[0] != loop || visits[^1] != loop) Assert.Fail($"loop {loop}: first index visited {visits[0]} times, last {visits[^1]}");
        }
        Assert.All(visits, v => Assert.Equal(Loops, v));
        Assert.True(parts >= 1);
    }

    /// <summary>Set on the thread that runs a chunk of <see cref="A_thread_held_right_after_counting_its_chunk_does_not_end_a_later_loop_early"/>'s loops, for its hook.</summary>
    [ThreadStatic] private static bool _ranHeldTestChunk;

    /// <summary>Counts each index; on a thread other than the caller's, marks it for the hook. The caller's first range waits for <c>gate</c>.</summary>
    private readonly struct Marked(int[] visits, int caller, int[] callerRanges, ManualResetEventSlim gate) : IRangeBody
    {
        public void Run(int from, int to)
        {
            if (Environment.CurrentManagedThreadId == caller && Interlocked.Increment(ref callerRanges[0]) == 1) gate.Wait(TimeSpan.FromSeconds(10));
            for (int i = from; i < to; i++) Interlocked.Increment(ref visits[i]);
            _ranHeldTestChunk = Environment.CurrentManagedThreadId != caller;
        }
    }

    /// <summary>The caller's range does <c>onCaller</c>, another thread's waits <c>slow</c> ms; each then counts itself finished.</summary>
    private readonly struct CallerAndWorker(int caller, Action onCaller, int slow, int[] finished, ManualResetEventSlim workerStarted) : IRangeBody
    {
        public void Run(int from, int to)
        {
            if (Environment.CurrentManagedThreadId == caller) onCaller();
            else
            {
                workerStarted.Set();
                Thread.Sleep(slow);
            }
            Interlocked.Increment(ref finished[0]);
        }
    }

    [Fact]
    public void A_thread_held_right_after_counting_its_chunk_does_not_end_a_later_loop_early()
    {
        if (Environment.ProcessorCount < 2) return;   // one core: one part, no worker
        // A worker counts the second of eight chunks of a loop as done and is descheduled before it compares
        // the count with the loop's total. The caller runs the rest, ends that loop and starts a two-chunk
        // one. Compared with the new total, the worker's count of 2 said it had finished the last chunk, so
        // it signalled the end of a loop; nobody waited for that signal then, and it ended the next loop
        // whose caller had to wait, while a part of that loop was still running (weights still being
        // updated while the trainer checked them).
        int caller = Environment.CurrentManagedThreadId;
        using var held = new ManualResetEventSlim(false);
        using var release = new ManualResetEventSlim(false);
        bool fired = false;
        ForkJoin.ChunkCounted = done =>
        {
            if (!_ranHeldTestChunk) return;
            _ranHeldTestChunk = false;
            if (done != 2 || fired) return;
            fired = true;
            held.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        };
        try
        {
            int parts = ForkJoin.Parts(4 * Environment.ProcessorCount, 1, out _);
            Assert.True(parts >= 2);
            // First loop: the caller waits in its first chunk until a worker has counted two chunks and is held.
            var visits = new int[4 * Environment.ProcessorCount];
            ForkJoin.ForBalanced(visits.Length, 1, new Marked(visits, caller, new int[1], held));
            Assert.True(fired, "no worker ran two chunks of the first loop within 10 s");
            Assert.All(visits, v => Assert.Equal(1, v));
            // Second loop, one chunk per part: its caller lets the held worker go on and gives it time to.
            var finished = new int[1];
            using var started = new ManualResetEventSlim(false);
            ForkJoin.For(parts, 1, new CallerAndWorker(caller, () => { release.Set(); Thread.Sleep(100); }, 0, finished, started));
            // Third loop: a worker's part takes 200 ms, the caller's none. For must return only after it.
            for (int attempt = 0; attempt < 5; attempt++)
            {
                finished[0] = 0;
                started.Reset();
                ForkJoin.For(parts, 1, new CallerAndWorker(caller, () => started.Wait(TimeSpan.FromSeconds(10)), 200, finished, started));
                Assert.Equal(parts, finished[0]);
            }
        }
        finally
        {
            ForkJoin.ChunkCounted = null;
            release.Set();
        }
    }
}

/// <summary>The parallel loop allocates nothing once the calling thread has its work item.</summary>
[Collection(nameof(AllocationCounting))]
public class ForkJoinAllocationTests
{
    private readonly struct Fill(float[] values) : IRangeBody
    {
        public void Run(int from, int to) => values.AsSpan(from, to - from).Fill(1f);
    }

    [Fact]
    public void A_warmed_up_loop_allocates_nothing()
    {
        var values = new float[1 << 16];
        for (int i = 0; i < 100; i++) ForkJoin.ForBalanced(values.Length, 1024, new Fill(values));
        const int Loops = 1000;
        long least = long.MaxValue, leastHere = long.MaxValue;
        // Up to ten attempts, keeping the least: the test host's threads (result reporting) now and then
        // allocate tens of kilobytes while an attempt runs, which says nothing about the loop.
        for (int attempt = 0; attempt < 10 && (leastHere > 0 || least >= 8 * Loops); attempt++)
        {
            long start = GC.GetTotalAllocatedBytes(precise: true), here = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Loops; i++)
            {
                ForkJoin.For(values.Length, 1024, new Fill(values));
                ForkJoin.ForBalanced(values.Length, 1024, new Fill(values));
            }
            leastHere = Math.Min(leastHere, GC.GetAllocatedBytesForCurrentThread() - here);
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - start);
        }
        // The calling thread allocates nothing at all. The process-wide count also sees the test host's own
        // threads (result reporting), a few hundred bytes now and then; a Parallel.For with a closure costs
        // thousands of bytes per loop, so a bound of 8 bytes per loop still tells the two apart.
        Assert.True(leastHere == 0, $"{Loops} plain and {Loops} balanced parallel loops allocated {leastHere} bytes on the calling thread.");
        Assert.True(least < 8 * Loops, $"{Loops} plain and {Loops} balanced parallel loops allocated {least} bytes in the process.");
    }

    /// <summary>Records which thread ran each index, each index taking <c>micros</c> microseconds.</summary>
    private readonly struct WhoRan(int[] threadOf, int micros, int[]? waitFor = null) : IRangeBody
    {
        /// <summary>Adds to <paramref name="workers"/> every thread but <paramref name="caller"/> that ran an index of <paramref name="threadOf"/>.</summary>
        public static void AddWorkers(HashSet<int> workers, int[] threadOf, int caller)
        {
            foreach (int t in threadOf) if (t != caller) workers.Add(t);
        }

        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++)
            {
                threadOf[i] = Environment.CurrentManagedThreadId;
                // Each index first waits (at most 5 s) for waitFor[0] to be set, when given.
                if (waitFor is int[] flag) SpinWait.SpinUntil(() => Volatile.Read(ref flag[0]) != 0, 5000);
                long until = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency * micros / 1_000_000;
                while (System.Diagnostics.Stopwatch.GetTimestamp() < until) Thread.SpinWait(8);
            }
        }
    }

    [Fact]
    public void One_callers_loops_keep_going_to_the_same_workers_after_they_have_left()
    {
        if (Environment.ProcessorCount < 2) return;   // one core: one part, no worker
        // Each loop is followed by a pause long enough for its workers to leave (they stay 50 µs). Handed to
        // whichever thread-pool thread came first, the next loop's parts often ran on another thread, which then
        // rented its own packing buffers (332 KB for the course CNN): the library's own workers are reused.
        int caller = Environment.CurrentManagedThreadId, indices = 4 * Environment.ProcessorCount;
        int parts = ForkJoin.Parts(indices, 1, out _);
        var workers = new HashSet<int>();
        var threadOf = new int[indices];
        // Other work in the process keeps several thread-pool threads about, as a training process has (4 to 6).
        ThreadPool.GetMinThreads(out int minWorkers, out int io);
        ThreadPool.SetMinThreads(Math.Max(minWorkers, 4 * Environment.ProcessorCount), io);
        for (int loop = 0; loop < 205; loop++)
        {
            for (int other = 0; other < 3; other++) ThreadPool.QueueUserWorkItem(_ => Thread.SpinWait(2000));
            ForkJoin.For(indices, 1, new WhoRan(threadOf, 20));
            if (loop >= 5) WhoRan.AddWorkers(workers, threadOf, caller);
            Thread.Sleep(1);
        }
        Assert.True(workers.Count <= parts - 1, $"200 loops of {parts} parts ran on {workers.Count} threads besides the caller's: {string.Join(", ", workers)}");
    }

    [Fact]
    public void A_worker_that_stays_on_after_leaving_is_counted_on_while_it_takes_itself_back()
    {
        if (Environment.ProcessorCount < 2) return;   // one core: one part, no worker
        // A worker's stay ends just as the caller starts a long loop: it has put itself on the free stack and
        // still counts as staying, so the caller hands it nothing, and it goes back to the loop. Held (descheduled,
        // say) while it takes itself back off the stack, it was neither free nor counted: the caller ran that loop
        // alone, and its next loops went to another thread, which rented its own buffers (332 KB for the course CNN).
        int caller = Environment.CurrentManagedThreadId, indices = 2 * Environment.ProcessorCount;
        int parts = ForkJoin.Parts(indices, 1, out _);
        var threadOf = new int[indices];
        var longLoopStarting = new ManualResetEventSlim();   // not disposed: a worker held by a hook of a failed run may still wait on it
        int armed = 0, heldThread = 0;
        var held = new int[1];   // an array, so that the long loop's body can wait on it
        ForkJoin.Freed = () =>
        {
            // The first worker to leave waits until the caller is inside its long loop.
            if (Interlocked.CompareExchange(ref armed, 2, 1) != 1) return;
            heldThread = Environment.CurrentManagedThreadId;
            longLoopStarting.Wait(5000);
            Thread.Sleep(2);
        };
        ForkJoin.TakingBack = () =>
        {
            if (Volatile.Read(ref armed) == 2 && Interlocked.Exchange(ref held[0], 1) == 0) Thread.Sleep(40);
        };
        try
        {
            var workers = new HashSet<int>();
            Volatile.Write(ref armed, 1);
            for (int loop = 0; loop < 5; loop++)
            {
                ForkJoin.For(indices, 1, new WhoRan(threadOf, 20));
                WhoRan.AddWorkers(workers, threadOf, caller);
            }
            // The workers' stay (50 µs) ends, if it has not already: the first to leave is held in Freed.
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref armed) == 2, 5000), "no worker left the loops");
            longLoopStarting.Set();
            // The long loop, run by the caller alone: its first index lasts until the held worker takes itself
            // back. Timed instead (12 ms), it was over before the worker woke on a busy machine, and the worker then
            // left without taking itself back (once in CI, in the kernel tests' run with AVX2 switched off).
            ForkJoin.For(indices, 1, new WhoRan(threadOf, 3000, held));
            for (int loop = 0; loop < 100; loop++)
            {
                ForkJoin.For(indices, 1, new WhoRan(threadOf, 50));
                WhoRan.AddWorkers(workers, threadOf, caller);
            }
            Assert.Equal(1, Volatile.Read(ref held[0]));
            workers.Add(heldThread);   // whether or not it ran a part
            Assert.True(workers.Count <= parts - 1, $"105 loops of {parts} parts ran on {workers.Count} threads besides the caller's: {string.Join(", ", workers)}");
        }
        finally
        {
            ForkJoin.Freed = null;
            ForkJoin.TakingBack = null;
        }
    }

    [Fact]
    public void A_worker_that_takes_itself_back_before_the_caller_hands_it_an_item_is_not_replaced_by_a_new_thread()
    {
        if (Environment.ProcessorCount < 2) return;   // one core: one part, no worker
        // A worker's stay ends and it stops counting as staying. The caller starts a loop, counts no worker and goes
        // to hand one an item; meanwhile the worker sees the loop and takes itself back off the free stack to stay
        // with it. The caller then found no worker free and started a thread for nothing, which rented its own
        // buffers (332 KB for the course CNN) and from then on took turns with the first.
        int indices = 2 * Environment.ProcessorCount;
        var threadOf = new int[indices];
        // Not disposed: a worker held by a hook of a failed run may still wait on them.
        var callerHanding = new ManualResetEventSlim();
        var takingBack = new ManualResetEventSlim();
        int armed = 0, left = 0, handing = 0, leftThread = 0, caller = Environment.CurrentManagedThreadId;
        ForkJoin.Left = () =>
        {
            if (Volatile.Read(ref armed) == 0 || Interlocked.Exchange(ref left, 1) != 0) return;
            leftThread = Environment.CurrentManagedThreadId;
            callerHanding.Wait(5000);   // until the caller has started a loop and counted no worker in it
        };
        ForkJoin.Handing = () =>
        {
            // A worker may stop counting as staying just before this count and reach Left just after.
            if (Volatile.Read(ref armed) == 0 || Volatile.Read(ref handing) != 0) return;
            if (!SpinWait.SpinUntil(() => Volatile.Read(ref left) == 1, 200) || Interlocked.Exchange(ref handing, 1) != 0) return;
            callerHanding.Set();
            takingBack.Wait(5000);
            Thread.Sleep(5);   // the worker takes itself back off the free stack
        };
        ForkJoin.TakingBack = () =>
        {
            if (Volatile.Read(ref handing) == 1) takingBack.Set();
        };
        try
        {
            for (int loop = 0; loop < 2; loop++) ForkJoin.For(indices, 1, new WhoRan(threadOf, 20));
            int started = ForkJoin.WorkersStarted;
            Volatile.Write(ref armed, 1);
            for (int loop = 0; loop < 5; loop++) ForkJoin.For(indices, 1, new WhoRan(threadOf, 20));
            // The workers' stay (50 µs) ends, if it has not already, and the first to leave waits in Left.
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref left) == 1, 5000), "no worker left the loops");
            var workers = new HashSet<int>();
            for (int loop = 0; loop < 20; loop++)
            {
                ForkJoin.For(indices, 1, new WhoRan(threadOf, 50));
                WhoRan.AddWorkers(workers, threadOf, caller);
            }
            Assert.Equal(1, Volatile.Read(ref handing));
            Assert.Equal(started, ForkJoin.WorkersStarted);
            // Nor handed to another free worker, besides the one that stays.
            workers.Add(leftThread);
            int parts = ForkJoin.Parts(indices, 1, out _);
            Assert.True(workers.Count <= parts - 1, $"20 loops of {parts} parts ran on {workers.Count} threads besides the caller's: {string.Join(", ", workers)}");
        }
        finally
        {
            ForkJoin.Left = null;
            ForkJoin.Handing = null;
            ForkJoin.TakingBack = null;
        }
    }
}
