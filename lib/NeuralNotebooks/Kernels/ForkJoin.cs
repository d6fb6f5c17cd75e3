using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace NeuralNotebooks.Kernels;

/// <summary>The work <see cref="ForkJoin.For"/> shares out: a struct whose <see cref="Run"/> handles indices [from, to).</summary>
internal interface IRangeBody
{
    /// <summary>Does the work for indices [<paramref name="from"/>, <paramref name="to"/>).</summary>
    void Run(int from, int to);
}

/// <summary>Work <see cref="ForkJoin.Beside"/> hands to a worker, to run beside the calling thread.</summary>
internal interface ISideTask
{
    /// <summary>Does the work, on the worker that took it.</summary>
    void Run();
}

/// <summary>
/// A parallel loop that makes no garbage, for the kernels that run once per layer per batch. The range
/// is cut into one contiguous part per core (<see cref="Environment.ProcessorCount"/>), the same cut
/// whatever runs it, so results never depend on thread timing. The calling thread takes parts itself
/// and workers of the library's own take the others (<see cref="Workers"/>); a part nobody has taken
/// yet is run by the caller, so busy workers only make the loop serial, never stuck. <c>Parallel.For</c>
/// with a lambda allocates a closure, a delegate, loop state and tasks on every call (2-3 KB); here the
/// body is a struct passed by address to workers while the caller waits, and each calling thread reuses
/// one work item. Between two loops, a caller may also hand the worker staying with them a task of its own
/// to run beside it (<see cref="Beside"/>).
/// </summary>
internal static unsafe class ForkJoin
{
    /// <summary>The calling thread's reusable work item (one per thread, so concurrent callers never share one).</summary>
    [ThreadStatic] private static Job? _job;
    /// <summary>How many parts this thread is running: a loop started inside a part runs its parts in order on the same thread.</summary>
    [ThreadStatic] private static int _depth;
    [ThreadStatic] private static bool _alone;

    /// <summary>
    /// While true, this thread's loops run all their parts themselves, in order, without the workers: the same
    /// cut, so the same results, on one core. A training loop sets it for the batches that run faster so
    /// (<see cref="NeuralNotebooks.StepCores"/>).
    /// </summary>
    public static bool Alone
    {
        get => _alone;
        set => _alone = value;
    }

    /// <summary>The cores a loop is shared among: all the process may use (<see cref="Environment.ProcessorCount"/>).</summary>
    public static int Cores => Environment.ProcessorCount;

    /// <summary>
    /// How [0, <paramref name="count"/>) is cut: parts of <paramref name="size"/> indices, a whole number of
    /// <paramref name="grain"/>s each (the last may be shorter), at most one per core and never smaller than
    /// one grain, so a range shorter than two grains is one part.
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public static int Parts(int count, int grain, out int size)
    {
        if (count <= 0) { size = 0; return 0; }
        grain = Math.Max(1, grain);
        int grains = (int)(((long)count + grain - 1) / grain);
        int parts = Math.Min(Cores, grains);
        if (parts <= 1) { size = count; return 1; }
        size = PartSize(count, grain, parts);
        return (int)(((long)count + size - 1) / size);
    }

    /// <summary>
    /// The size of each part when [0, <paramref name="count"/>) is cut into <paramref name="parts"/> as <see cref="Parts"/>
    /// cuts it: the grains shared out evenly, rounded up (the last part may be shorter).
    /// </summary>
    internal static int PartSize(int count, int grain, int parts)
    {
        long grains = ((long)count + grain - 1) / grain;
        return (int)Math.Min((grains + parts - 1) / parts * grain, count);
    }

    /// <summary>
    /// Runs <c>body.Run(from, to)</c> over the parts of [0, <paramref name="count"/>) given by
    /// <see cref="Parts"/>, in parallel, and returns when all are done. An exception thrown by a part is
    /// rethrown here (the first one, if several parts throw) once every part has finished.
    /// </summary>
    public static void For<TBody>(int count, int grain, TBody body) where TBody : struct, IRangeBody =>
        Loop(count, grain, body, balanced: false);

    /// <summary>
    /// Like <see cref="For"/>, for a body whose every index comes out the same whichever range it is run
    /// in (each image of a batch, each element of an update): each core's part is run in a few chunks
    /// (<see cref="ChunkStart"/>), its own from the front, and a core that finishes its part takes the
    /// others' last chunks, so a core the machine slows down is helped instead of waited for. Each core
    /// still runs its own part unless it falls behind, so the next kernel, cut the same way, mostly finds
    /// its data in its own cache.
    /// </summary>
    public static void ForBalanced<TBody>(int count, int grain, TBody body) where TBody : struct, IRangeBody =>
        Loop(count, grain, body, balanced: true);

    /// <summary>
    /// Where chunk <paramref name="c"/> of a part <paramref name="length"/> indices long starts (the part's
    /// length for any <paramref name="c"/> past its last chunk). A plain loop's part is one chunk. A
    /// balanced loop's chunks are whole grains, each at most a quarter of the part and at most half of what
    /// is left of it from its start: 86 grains are 22, 22, 21, 11, 5, 3, 1, 1. The owner's first chunks
    /// are large (few claims), and a core that finishes early takes from the back, where the chunks get
    /// down to one grain, so the two cores end within about a grain of each other. With four equal chunks,
    /// the last one taken could leave the other core idle for up to a quarter of a part (milliseconds, in a
    /// 1024×1024 product).
    /// </summary>
    [MethodImpl(JitHints.PerBatch)]
    public static int ChunkStart(int length, int grain, bool balanced, int c)
    {
        if (c <= 0) return 0;
        if (!balanced) return length;
        grain = Math.Max(1, grain);
        int grains = (int)(((long)length + grain - 1) / grain), quarter = (grains + 3) / 4, start = 0;
        for (int i = 0; i < c && start < grains; i++) start += Math.Min(quarter, (grains - start + 1) / 2);
        return (int)Math.Min(length, (long)start * grain);
    }

    /// <summary>How many chunks <see cref="ChunkStart"/> cuts a part into.</summary>
    [MethodImpl(JitHints.PerBatch)]
    public static int ChunkCount(int length, int grain, bool balanced)
    {
        if (length <= 0) return 0;
        int c = 1;
        while (ChunkStart(length, grain, balanced, c) < length) c++;
        return c;
    }

    /// <summary>
    /// Hands <paramref name="task"/> to a worker staying with this thread's loops (between two of them), to run
    /// beside this thread while it goes on alone; false, and nothing handed, when no worker is staying (or the
    /// thread runs alone). The caller must end it with <see cref="JoinBeside"/> before its next loop can use
    /// that worker, and whatever the task makes is the caller's to use only after that.
    /// </summary>
    public static bool Beside(ISideTask task)
    {
        if (_alone || _depth > 0 || Cores < 2 || _job is not { } job) return false;
        return job.Post(task);
    }

    /// <summary>
    /// Ends the task handed by <see cref="Beside"/>: true once a worker has run it (waiting for it to finish);
    /// false if no worker had taken it yet (it is withdrawn and never runs) or none was handed. An exception
    /// thrown by the task is rethrown here.
    /// </summary>
    public static bool JoinBeside() => _job?.JoinSide() ?? false;

    private static long _workItemsQueued;

    /// <summary>For the tests: how many work items every loop so far has handed to the workers.</summary>
    internal static long WorkItemsQueued => Interlocked.Read(ref _workItemsQueued);

    /// <summary>For the tests: how many worker threads the loops have started so far.</summary>
    internal static int WorkersStarted => Workers.Started;

    /// <summary>For the tests: called on a caller that is about to hand a work item to a worker, its count of the loop's workers just read.</summary>
    internal static Action? Handing;

    /// <summary>For the tests: called on a worker whose stay is over, once it no longer counts as staying and before it looks for a new loop.</summary>
    internal static Action? Left;

    /// <summary>For the tests: called on a worker whose stay is over, once it is on the free stack and before it stops counting as staying.</summary>
    internal static Action? Freed;

    /// <summary>For the tests: called on a worker that has left a loop and is about to take itself back off the free stack to stay with it.</summary>
    internal static Action? TakingBack;

    /// <summary>For the tests: called on the thread that ran a chunk, with the count of the loop's finished chunks, right after the chunk adds itself to it.</summary>
    internal static Action<int>? ChunkCounted;

    [MethodImpl(JitHints.PerBatch)]
    private static void Loop<TBody>(int count, int grain, TBody body, bool balanced) where TBody : struct, IRangeBody
    {
        int parts = Parts(count, grain, out int size);
        if (parts == 0) return;
        if (parts == 1)
        {
            body.Run(0, count);
            return;
        }
        if (_depth > 0 || _alone)
        {
            // Already inside a part, the cores busy with the outer loop; or told to run alone.
            for (int t = 0; t < parts; t++) body.Run(t * size, Math.Min(count, (t + 1) * size));
            return;
        }
        // body is a parameter of this frame, which stays put until every part has finished.
        (_job ??= new Job()).Run(&Invoke<TBody>, Unsafe.AsPointer(ref body), count, size, parts, grain, balanced);
    }

    [MethodImpl(JitHints.PerBatch)]
    private static void Invoke<TBody>(void* body, int from, int to) where TBody : struct, IRangeBody =>
        Unsafe.AsRef<TBody>(body).Run(from, to);

    /// <summary>
    /// One caller's loop, handed to workers. Each part is a band of chunks (one chunk in a plain
    /// loop), kept as (next, end) in one long so that both ends change in one atomic step. A thread claims
    /// a part by incrementing a counter and runs its chunks from the front; once no part is left to claim,
    /// it takes chunks from the backs of the others' bands. So each chunk runs once whoever gets there
    /// first, and a work item that reaches a worker late, after its loop has ended, finds nothing to claim
    /// (or helps with the caller's next loop, which is just as good).
    /// </summary>
    private sealed class Job
    {
        /// <summary>The claim counter between loops: far above any part count, so a late claim fails.</summary>
        private const int Idle = int.MaxValue / 2;

        /// <summary>Longs between two bands: 64 bytes, so that the cores' claims do not bounce one cache line between them.</summary>
        private const int BandStride = 8;

        /// <summary>How long a worker stays for the caller's next loop: the gap between one layer's kernel and the next.</summary>
        private static readonly long StayTicks = System.Diagnostics.Stopwatch.Frequency / 20_000;   // 50 µs

        /// <summary>How long a worker with nothing left to take waits for the caller to end the loop: a few of a large product's chunks.</summary>
        private static readonly long RunningStayTicks = System.Diagnostics.Stopwatch.Frequency / 200;   // 5 ms

        // Spins before blocking (the most the type allows): a worker's part usually ends within microseconds of the caller's.
        private readonly ManualResetEventSlim _finishedByWorker = new(false, spinCount: 2047);
        private readonly long[] _bands = new long[Math.Max(2, Cores) * BandStride];
        private delegate*<void*, int, int, void> _body;
        private void* _state;
        private int _count, _size, _grain, _parts, _chunks;
        private bool _balanced;
        private int _next = Idle, _done, _queued, _staying;
        private Exception? _error;

        // A side task (Beside): none, handed and not taken yet, run by a worker, or finished.
        private const int NoSide = 0, SidePosted = 1, SideRunning = 2, SideDone = 3;
        private ISideTask? _side;
        private int _sideState;
        private Exception? _sideError;

        /// <summary>Hands <paramref name="task"/> to the workers staying with this job, if any is.</summary>
        public bool Post(ISideTask task)
        {
            if (Volatile.Read(ref _sideState) != NoSide) throw new InvalidOperationException("ForkJoin.Beside: the previous side task was not joined.");
            if (Volatile.Read(ref _staying) == 0) return false;
            _side = task;
            Volatile.Write(ref _sideState, SidePosted);
            return true;
        }

        /// <summary>Withdraws the side task if nobody took it, else waits for it to finish; true if it ran.</summary>
        public bool JoinSide()
        {
            int state = Interlocked.CompareExchange(ref _sideState, NoSide, SidePosted);
            if (state == NoSide) return false;
            bool ran = state != SidePosted;
            if (ran)
            {
                var spin = new SpinWait();
                while (Volatile.Read(ref _sideState) != SideDone) spin.SpinOnce(sleep1Threshold: -1);
                Volatile.Write(ref _sideState, NoSide);
            }
            _side = null;
            if (_sideError is { } error)
            {
                _sideError = null;
                ExceptionDispatchInfo.Capture(error).Throw();
            }
            return ran;
        }

        /// <summary>On a staying worker: runs the side task if one is handed and nobody has taken it; true if it did.</summary>
        [MethodImpl(JitHints.PerBatch)]
        private bool RunSide()
        {
            if (Volatile.Read(ref _sideState) != SidePosted || Interlocked.CompareExchange(ref _sideState, SideRunning, SidePosted) != SidePosted) return false;
            // Loops the task starts run their parts in order on this thread: the same cut, so the same bits.
            _depth++;
            try { _side!.Run(); }
            catch (Exception e) { _sideError = e; }
            finally
            {
                _depth--;
                Volatile.Write(ref _sideState, SideDone);
            }
            return true;
        }

        [MethodImpl(JitHints.PerBatch)]
        public void Run(delegate*<void*, int, int, void> body, void* state, int count, int size, int parts, int grain, bool balanced)
        {
            _body = body;
            _state = state;
            _count = count;
            _size = size;
            _grain = grain;
            _balanced = balanced;
            _parts = parts;
            _done = 0;
            _error = null;
            // Every field, the total of chunks included, before any band: a worker still helping with the
            // previous loop may take a chunk of this one as soon as its band is written.
            int total = 0;
            for (int t = 0; t < parts; t++) total += ChunksOf(t);
            _chunks = total;
            // Release stores after the fields above: whoever takes a chunk of a band sees them.
            for (int t = 0; t < parts; t++) Volatile.Write(ref _bands[t * BandStride], ChunkBand.Of(0, ChunksOf(t)));
            // Publishes the fields above to whoever claims a part; a full fence, so that the count of staying
            // workers read next is not read before it (see Execute).
            Interlocked.Exchange(ref _next, 0);
            // One work item per other part, counting those handed to workers that have not started them yet.
            while (ShortOfWorkers(counted: 0))
            {
                Interlocked.Increment(ref _queued);
                Handing?.Invoke();
                if (!Workers.Hand(this))
                {
                    // A worker of this loop's own whose stay had just ended took itself back to stay with it after
                    // all, between the count above and the hand.
                    Interlocked.Decrement(ref _queued);
                    continue;
                }
                Interlocked.Increment(ref _workItemsQueued);
            }
            if (!RunParts())
            {
                // A worker finishes the last chunk and sets the event; only then may the caller reuse this job.
                _finishedByWorker.Wait();
                _finishedByWorker.Reset();
            }
            Volatile.Write(ref _next, Idle);
            if (_error is { } error)
            {
                _error = null;
                ExceptionDispatchInfo.Capture(error).Throw();
            }
        }

        /// <summary>Whether fewer workers than parts - 1 are on the loop, not counting <paramref name="counted"/> items the caller has counted in but not handed yet.</summary>
        public bool ShortOfWorkers(int counted) =>
            Volatile.Read(ref _queued) - counted + Volatile.Read(ref _staying) < Volatile.Read(ref _parts) - 1;

        [MethodImpl(JitHints.PerBatch)]
        public void Execute()
        {
            // Counted as staying from the start, before it stops counting as queued, so that a caller never
            // sees this thread as neither and queues another one for nothing (a third thread on two cores).
            Interlocked.Increment(ref _staying);
            Interlocked.Decrement(ref _queued);
            while (true)
            {
                if (RunParts()) _finishedByWorker.Set();
                // Stay for the caller's next loop: a training step runs a parallel kernel every few hundred
                // microseconds, and waking a sleeping thread for each costs tens of them (on a 2-core VM
                // sometimes a whole small product, which then runs at one core's speed). The
                // wait starts when the loop ends, not when this thread runs out of chunks: the caller may
                // still be on its last one (a 1024×1024 product's chunk takes milliseconds), and the
                // caller's next loop comes right after it. Not forever, though: a part that runs for seconds
                // (a test's huge product) would keep a core spinning that other threads could use.
                long idle = System.Diagnostics.Stopwatch.GetTimestamp(), until = idle + StayTicks;
                while (true)
                {
                    long now = System.Diagnostics.Stopwatch.GetTimestamp();
                    bool worked;
                    if (Volatile.Read(ref _next) < Volatile.Read(ref _parts))
                    {
                        if (RunParts()) _finishedByWorker.Set();
                        worked = true;
                    }
                    else worked = RunSide();
                    if (worked)
                    {
                        // The stay starts again from the end of the work, not from before it.
                        idle = System.Diagnostics.Stopwatch.GetTimestamp();
                        until = idle + StayTicks;
                    }
                    else if (Volatile.Read(ref _next) != Idle && now - idle < RunningStayTicks) until = now + StayTicks;
                    else if (now >= until) break;
                    else Thread.SpinWait(8);
                }
                // Free for any caller's next work item from here on, before this one's caller can count this
                // thread out: a loop started in between then hands its item to this thread, not a new one.
                Workers.Leaving();
                Freed?.Invoke();
                Interlocked.Decrement(ref _staying);
                Left?.Invoke();
                // A loop started just before the decrement may have counted on this thread and queued
                // nobody: look once more (the caller publishes with a full fence, so one of the two sees the other).
                if (Volatile.Read(ref _next) >= Volatile.Read(ref _parts)) return;
                // Counted as staying again before it takes itself off the free stack: in between, it was neither
                // free nor counted, and a caller that ran this whole loop alone and started its next one then
                // found no worker and started a second thread, which rented its own buffers (332 KB for the course
                // CNN; a second thread in 5 of 8 processes of `compare`'s memory child, in a measured epoch in 4).
                Interlocked.Increment(ref _staying);
                TakingBack?.Invoke();
                // Stay only if no other caller has been handed this thread meanwhile; if one has, this loop's
                // caller runs its parts itself, and its next loop hands its item to another worker.
                if (!Workers.StayingOn())
                {
                    Interlocked.Decrement(ref _staying);
                    return;
                }
            }
        }

        /// <summary>Claims parts and runs their chunks, then helps with the others' bands; true if this thread finished the last chunk.</summary>
        [MethodImpl(JitHints.PerBatch)]
        private bool RunParts()
        {
            bool last = false;
            _depth++;
            try
            {
                while (true)
                {
                    int t = Interlocked.Increment(ref _next) - 1;
                    int parts = _parts;
                    if (t >= parts) break;
                    for (int c; (c = ChunkBand.Take(ref _bands[t * BandStride], fromBack: false)) >= 0;) last |= RunChunk(t, c);
                }
                // Every part is claimed: help with the chunks their threads have not reached.
                for (int t = 0; t < _parts; t++)
                    for (int c; (c = ChunkBand.Take(ref _bands[t * BandStride], fromBack: true)) >= 0;) last |= RunChunk(t, c);
                return last;
            }
            finally { _depth--; }
        }

        /// <summary>Where part t ends (the last part may be shorter than the others).</summary>
        private int PartEnd(int t) => Math.Min(_count, (t + 1) * _size);

        /// <summary>How many chunks part t has.</summary>
        private int ChunksOf(int t) => ChunkCount(PartEnd(t) - t * _size, _grain, _balanced);

        /// <summary>Runs chunk c of part t; true if it was the loop's last to finish.</summary>
        [MethodImpl(JitHints.PerBatch)]
        private bool RunChunk(int t, int c)
        {
            // The loop's fields are read before this chunk counts itself as done. Until then the loop cannot
            // end; right after, the caller may run the last chunk, return, and start its next loop, which
            // rewrites them. Comparing with the next loop's total of chunks made a thread that was not last
            // believe it was, and its signal then ended a later loop before its parts had run.
            int length = PartEnd(t) - t * _size, chunks = _chunks;
            int from = t * _size + ChunkStart(length, _grain, _balanced, c), to = t * _size + ChunkStart(length, _grain, _balanced, c + 1);
            try { _body(_state, from, to); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
            int done = Interlocked.Increment(ref _done);
            ChunkCounted?.Invoke(done);
            return done == chunks;
        }
    }

    /// <summary>
    /// The threads that run the loops' work items: the library's own rather than the .NET thread pool's.
    /// Each thread keeps its own packing and scratch buffers (the [ThreadStatic] ones of Gemm and the
    /// convolution), rented the first time it runs a part. The pool handed the work items to whichever of
    /// its threads (4 to 6 in a training process) came first, and a thread running its first part rented
    /// its whole set: 332 KB for the course CNN, now and then in an epoch long after the warm-up. Here an
    /// idle worker is reused last in, first out, so one caller's loops keep going to the same thread, and
    /// a thread is started only when no worker is free (several callers at once): as many threads as
    /// loops have ever needed at once, each renting its buffers once.
    /// </summary>
    private static class Workers
    {
        /// <summary>Workers with no work item, the one that became free last on top; also the lock over every worker's state.</summary>
        private static readonly Stack<Worker> Free = new();

        private static int _started;

        /// <summary>How many worker threads have been started so far.</summary>
        public static int Started => Volatile.Read(ref _started);

        /// <summary>
        /// Has a free worker, or a new one, run <paramref name="job"/>'s <see cref="Job.Execute"/>, if the job is
        /// still short of workers without the item its caller has just counted in; false if it is not. A worker
        /// whose stay has just ended may take itself back off the free stack to stay with its loop after all: it
        /// counts itself as staying first and takes itself back under the same lock as this check, so the caller
        /// either hands it the item or sees it counted. Checked outside the lock only, the caller found the stack
        /// empty (or another worker on it) and started a thread (or woke one) for nothing.
        /// </summary>
        [MethodImpl(JitHints.PerBatch)]
        public static bool Hand(Job job)
        {
            Worker? worker;
            lock (Free)
            {
                if (!job.ShortOfWorkers(counted: 1)) return false;
                if (Free.TryPop(out worker)) worker.Take(job);
            }
            if (worker is not null) worker.Signal();
            else
            {
                Interlocked.Increment(ref _started);
                Worker.Start(job);
            }
            return true;
        }

        /// <summary>Called by a worker that is done with its work item (or about to be): it may be handed another from now on.</summary>
        public static void Leaving() => Worker.Current?.BecomeFree();

        /// <summary>
        /// Called by a worker that, after <see cref="Leaving"/>, would stay with its work item after all: takes it
        /// off the free stack again if nobody has taken it meanwhile; false if somebody has (it is to run another
        /// caller's item next) or it is no longer on top (then it leaves, as it would have).
        /// </summary>
        [MethodImpl(JitHints.PerBatch)]
        public static bool StayingOn() => Worker.Current?.TakeBack() ?? true;

        private sealed class Worker
        {
            [ThreadStatic] private static Worker? _current;
            private readonly SemaphoreSlim _handed = new(0);
            /// <summary>The work item handed to this worker and not started yet (under the lock).</summary>
            private Job? _pending;
            /// <summary>Whether this worker is on the free stack (under the lock).</summary>
            private bool _free;

            /// <summary>The worker running on this thread, if it is one.</summary>
            public static Worker? Current => _current;

            public static void Start(Job job)
            {
                var worker = new Worker { _pending = job };
                new Thread(worker.Loop) { IsBackground = true, Name = "NeuralNotebooks worker" }.Start();
            }

            /// <summary>Under the lock: this worker, just taken off the free stack, is to run <paramref name="job"/> next.</summary>
            public void Take(Job job)
            {
                _free = false;
                _pending = job;
            }

            public void Signal() => _handed.Release();

            /// <summary>
            /// Onto the free stack, unless it is there already or has a work item waiting. A worker may become free
            /// inside a work item and then stay on with it: if it is handed another meanwhile, it runs that one next.
            /// </summary>
            [MethodImpl(JitHints.PerBatch)]
            public void BecomeFree()
            {
                lock (Free)
                {
                    if (_free || _pending is not null) return;
                    _free = true;
                    Free.Push(this);
                }
            }

            /// <summary>Off the free stack again if it is on top of it (see <see cref="StayingOn"/>).</summary>
            [MethodImpl(JitHints.PerBatch)]
            public bool TakeBack()
            {
                lock (Free)
                {
                    if (!_free || !ReferenceEquals(Free.Peek(), this)) return false;
                    Free.Pop();
                    _free = false;
                    return true;
                }
            }

            private void Loop()
            {
                _current = this;
                while (true)
                {
                    Job job;
                    lock (Free)
                    {
                        job = _pending!;
                        _pending = null;
                    }
                    job.Execute();
                    BecomeFree();
                    _handed.Wait();
                }
            }
        }
    }

    /// <summary>
    /// A band of chunks [next, end) that one core works through from the front while others take from the
    /// back: both ends in one long, so that they change in one atomic step and no chunk is taken twice.
    /// </summary>
    private static class ChunkBand
    {
        /// <summary>The band [next, end) as one long.</summary>
        public static long Of(int next, int end) => (uint)next | (long)end << 32;

        /// <summary>The next chunk of the band, from its front or its back, or -1 once it is empty.</summary>
        [MethodImpl(JitHints.PerBatch)]
        public static int Take(ref long band, bool fromBack)
        {
            while (true)
            {
                long w = Volatile.Read(ref band);
                int next = (int)w, end = (int)(w >> 32);
                if (next >= end) return -1;
                long taken = fromBack ? Of(next, end - 1) : Of(next + 1, end);
                if (Interlocked.CompareExchange(ref band, taken, w) == w) return fromBack ? end - 1 : next;
            }
        }
    }
}
