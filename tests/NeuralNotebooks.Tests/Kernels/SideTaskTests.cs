using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Kernels;

/// <summary>
/// A side task (ForkJoin.Beside): handed between a thread's loops to the worker staying with them, it runs
/// once there or, withdrawn at the join, never; its exception reaches the join; loops inside it stay on its worker.
/// </summary>
public class SideTaskTests
{
    /// <summary>Records, for each index, the thread that ran it.</summary>
    private readonly struct WhoRuns(int[] thread) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++) thread[i] = Environment.CurrentManagedThreadId;
        }
    }

    /// <summary>Counts each index's visits.</summary>
    private readonly struct Visit(int[] visits) : IRangeBody
    {
        public void Run(int from, int to)
        {
            for (int i = from; i < to; i++) Interlocked.Increment(ref visits[i]);
        }
    }

    /// <summary>A side task that counts its runs and records its thread; it may throw, or run a loop of its own.</summary>
    private sealed class Side(bool throws = false, int[]? loopThreads = null) : ISideTask
    {
        public int Runs, Thread;

        public void Run()
        {
            Interlocked.Increment(ref Runs);
            Thread = Environment.CurrentManagedThreadId;
            if (loopThreads is not null) ForkJoin.For(loopThreads.Length, 1, new WhoRuns(loopThreads));
            if (throws) throw new InvalidOperationException("from the side task");
        }
    }

    /// <summary>A short loop, after which the worker that took part stays with this thread's loops for a while.</summary>
    private static void ShortLoop()
    {
        var visits = new int[64];
        ForkJoin.For(visits.Length, 1, new Visit(visits));
    }

    [Fact]
    public void A_side_task_runs_once_on_a_staying_worker_or_is_withdrawn_and_never_runs()
    {
        var sides = new List<(Side Task, bool Joined)>();
        for (int i = 0; i < 300; i++)
        {
            ShortLoop();
            var side = new Side();
            bool handed = ForkJoin.Beside(side);
            // Half the time joined at once, often before a worker has taken it.
            if (i % 2 == 0) Thread.SpinWait(2000);
            bool joined = ForkJoin.JoinBeside();
            Assert.True(handed || !joined, "joined a side task that was never handed");
            Assert.Equal(joined ? 1 : 0, side.Runs);
            if (joined) Assert.NotEqual(Environment.CurrentManagedThreadId, side.Thread);
            sides.Add((side, joined));
        }
        Thread.Sleep(50);
        Assert.All(sides, s => Assert.Equal(s.Joined ? 1 : 0, s.Task.Runs));
        if (Environment.ProcessorCount < 2) Assert.DoesNotContain(sides, s => s.Joined);
        else if (!sides.Any(s => s.Joined))
        {
            var side = new Side();
            Assert.True(HandUntilTaken(side), "no worker took a side task in 10 s");
            Assert.True(ForkJoin.JoinBeside());
        }
    }

    /// <summary>
    /// Hands a side task right after a short loop until a worker has taken it; false if none did within 10 s
    /// (other tests may keep both cores busy, and a worker just handed its first item may not have started yet).
    /// </summary>
    private static bool HandUntilTaken(Side side)
    {
        var trying = System.Diagnostics.Stopwatch.StartNew();
        while (trying.Elapsed.TotalSeconds < 10)
        {
            ShortLoop();
            if (!ForkJoin.Beside(side))
            {
                Thread.Yield();
                continue;
            }
            var wait = System.Diagnostics.Stopwatch.StartNew();
            while (Volatile.Read(ref side.Runs) == 0 && wait.ElapsedMilliseconds < 20) Thread.SpinWait(100);
            if (Volatile.Read(ref side.Runs) > 0) return true;
            Assert.False(ForkJoin.JoinBeside());
            Assert.Equal(0, side.Runs);
        }
        return false;
    }

    [Fact]
    public void An_exception_in_a_side_task_reaches_the_caller_at_the_join()
    {
        if (Environment.ProcessorCount < 2) return;   // one core: no worker
        var side = new Side(throws: true);
        Assert.True(HandUntilTaken(side), "no worker took the side task in 10 s");
        var e = Assert.Throws<InvalidOperationException>(() => ForkJoin.JoinBeside());
        Assert.Equal("from the side task", e.Message);
        Assert.False(ForkJoin.JoinBeside());   // ended: nothing left to join
        ShortLoop();                           // and the loops go on
    }

    [Fact]
    public void A_loop_inside_a_side_task_runs_its_parts_on_the_worker_that_runs_the_task()
    {
        if (Environment.ProcessorCount < 2) return;
        var threads = new int[64];
        var side = new Side(loopThreads: threads);
        Assert.True(HandUntilTaken(side), "no worker took the side task in 10 s");
        Assert.True(ForkJoin.JoinBeside());
        Assert.All(threads, t => Assert.Equal(side.Thread, t));
    }

    [Fact]
    public void A_side_task_must_be_joined_before_the_next_is_handed()
    {
        if (Environment.ProcessorCount < 2) return;
        var side = new Side();
        Assert.True(HandUntilTaken(side), "no worker took the side task in 10 s");
        var e = Assert.Throws<InvalidOperationException>(() => ForkJoin.Beside(new Side()));
        Assert.Contains("not joined", e.Message);
        Assert.True(ForkJoin.JoinBeside());
        Assert.Equal(1, side.Runs);
    }

    [Fact]
    public void A_thread_told_to_run_alone_hands_no_side_task()
    {
        ForkJoin.Alone = true;
        try
        {
            ShortLoop();
            var side = new Side();
            Assert.False(ForkJoin.Beside(side));
            Assert.False(ForkJoin.JoinBeside());
            Assert.Equal(0, side.Runs);
        }
        finally { ForkJoin.Alone = false; }
    }
}
