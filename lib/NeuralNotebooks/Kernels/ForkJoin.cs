using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace NeuralNotebooks.Kernels;

/// <summary>The work <see cref="ForkJoin.For"/> shares out: a struct whose <see cref="Run"/> handles indices [from, to).</summary>
internal interface IRangeBody
{
    /// <summary>Does the work for indices [<paramref name="from"/>, <paramref name="to"/>).</summary>
    void Run(int from, int to);
}

/// <summary>
/// A parallel loop that makes no garbage, for the kernels that run once per layer per batch. The range
/// is cut into one contiguous part per core (<see cref="Environment.ProcessorCount"/>), the same cut
/// whatever runs it, so results never depend on thread timing. The calling thread takes parts itself
/// and thread-pool workers take the others; a part nobody has taken yet is run by the caller, so a
/// busy pool only makes the loop serial, never stuck. <c>Parallel.For</c> with a lambda allocates a
/// closure, a delegate, loop state and tasks on every call (2-3 KB); here the body is a struct passed
/// by address to workers while the caller waits, and each calling thread reuses one work item.
/// </summary>
internal static unsafe class ForkJoin
{
    /// <summary>The calling thread's reusable work item (one per thread, so concurrent callers never share one).</summary>
    [ThreadStatic] private static Job? _job;
    /// <summary>How many parts this thread is running: a loop started inside a part runs its parts in order on the same thread.</summary>
    [ThreadStatic] private static int _depth;

    /// <summary>
    /// How [0, <paramref name="count"/>) is cut: parts of <paramref name="size"/> indices, a whole number of
    /// <paramref name="grain"/>s each (the last may be shorter), at most one per core and never smaller than
    /// one grain, so a range shorter than two grains is one part.
    /// </summary>
    public static int Parts(int count, int grain, out int size)
    {
        if (count <= 0) { size = 0; return 0; }
        grain = Math.Max(1, grain);
        int grains = (int)(((long)count + grain - 1) / grain);
        int parts = Math.Min(Environment.ProcessorCount, grains);
        if (parts <= 1) { size = count; return 1; }
        long per = ((long)grains + parts - 1) / parts * grain;
        size = (int)Math.Min(per, count);
        return (int)(((long)count + size - 1) / size);
    }

    /// <summary>
    /// Runs <c>body.Run(from, to)</c> over the parts of [0, <paramref name="count"/>) given by
    /// <see cref="Parts"/>, in parallel, and returns when all are done. An exception thrown by a part is
    /// rethrown here (the first one, if several parts throw) once every part has finished.
    /// </summary>
    public static void For<TBody>(int count, int grain, TBody body) where TBody : struct, IRangeBody
    {
        int parts = Parts(count, grain, out int size);
        if (parts == 0) return;
        if (parts == 1)
        {
            body.Run(0, count);
            return;
        }
        if (_depth > 0)
        {
            // Already inside a part: the cores are busy with the outer loop.
            for (int t = 0; t < parts; t++) body.Run(t * size, Math.Min(count, (t + 1) * size));
            return;
        }
        // body is a parameter of this frame, which stays put until every part has finished.
        (_job ??= new Job()).Run(&Invoke<TBody>, Unsafe.AsPointer(ref body), count, size, parts);
    }

    private static void Invoke<TBody>(void* body, int from, int to) where TBody : struct, IRangeBody =>
        Unsafe.AsRef<TBody>(body).Run(from, to);

    /// <summary>
    /// One caller's loop, handed to thread-pool workers. Parts are claimed by incrementing a counter, so
    /// each runs once whoever gets there first; a work item that reaches the pool late, after its loop has
    /// ended, finds nothing to claim (or helps with the caller's next loop, which is just as good).
    /// </summary>
    private sealed class Job : IThreadPoolWorkItem
    {
        /// <summary>The claim counter between loops: far above any part count, so a late claim fails.</summary>
        private const int Idle = int.MaxValue / 2;

        /// <summary>How long a worker stays for the caller's next loop: the gap between one layer's kernel and the next.</summary>
        private static readonly long StayTicks = System.Diagnostics.Stopwatch.Frequency / 20_000;   // 50 µs

        // Spins before blocking (the most the type allows): a worker's part usually ends within microseconds of the caller's.
        private readonly ManualResetEventSlim _finishedByWorker = new(false, spinCount: 2047);
        private delegate*<void*, int, int, void> _body;
        private void* _state;
        private int _count, _size, _parts;
        private int _next = Idle, _done, _queued, _staying;
        private Exception? _error;

        public void Run(delegate*<void*, int, int, void> body, void* state, int count, int size, int parts)
        {
            _body = body;
            _state = state;
            _count = count;
            _size = size;
            _parts = parts;
            _done = 0;
            _error = null;
            Volatile.Write(ref _next, 0);   // publishes the fields above to whoever claims a part
            // One work item per other part, counting those still waiting in the pool from earlier loops.
            while (Volatile.Read(ref _queued) + Volatile.Read(ref _staying) < parts - 1)
            {
                Interlocked.Increment(ref _queued);
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
            if (!RunParts())
            {
                // A worker finishes the last part and sets the event; only then may the caller reuse this job.
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

        public void Execute()
        {
            Interlocked.Decrement(ref _queued);
            if (RunParts()) _finishedByWorker.Set();
            // Stay a little for the caller's next loop: a training step runs a parallel kernel every few
            // hundred microseconds, and waking a sleeping pool thread for each costs tens of them. A worker
            // that leaves just as the caller counts on it costs nothing but speed: the caller runs
            // whatever part nobody claims.
            Interlocked.Increment(ref _staying);
            long until = System.Diagnostics.Stopwatch.GetTimestamp() + StayTicks;
            while (System.Diagnostics.Stopwatch.GetTimestamp() < until)
            {
                if (Volatile.Read(ref _next) < Volatile.Read(ref _parts))
                {
                    if (RunParts()) _finishedByWorker.Set();
                    until = System.Diagnostics.Stopwatch.GetTimestamp() + StayTicks;
                }
                else Thread.SpinWait(8);
            }
            Interlocked.Decrement(ref _staying);
        }

        /// <summary>Claims and runs parts until none is left; true if this thread finished the last one.</summary>
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
                    if (t >= parts) return last;
                    int from = t * _size, to = Math.Min(_count, from + _size);
                    try { _body(_state, from, to); }
                    catch (Exception e) { Interlocked.CompareExchange(ref _error, e, null); }
                    last = Interlocked.Increment(ref _done) == parts;
                }
            }
            finally { _depth--; }
        }
    }
}
