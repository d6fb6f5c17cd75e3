using System.Diagnostics;
using NeuralNotebooks.Kernels;

namespace NeuralNotebooks;

/// <summary>
/// Whether a training loop's batches share their kernels among the cores or run on the calling thread
/// alone, chosen by timing both now and then. Sharing wins on an ordinary machine (the MLP's epochs ran
/// 1.5x as fast on two cores as on one). But a parallel step hands data from core to core many times
/// (the halves of a product each core computed are read by the next kernel on the calling thread, and the
/// gradients that kernel writes by both cores in the next product), and
/// on a VM whose two cores are now and then placed far apart, where one core takes four times as long to
/// see what the other wrote (docs/performance.md, "The machines' slow phases"), those hand-overs cost more
/// than the second core gives: in such a minute the MLP's epochs ran at 393k to 399k samples/s on one core
/// against 300k to 307k on two. So after <see cref="WarmupBatches"/> and then every <see cref="Period"/>
/// of training, a few batches run alone and then a few shared, and until the next trial the batches run the
/// way whose median batch was faster (alone only when faster by a clear <see cref="Margin"/>). Which way a
/// batch runs changes no result: run alone, a loop runs the same parts in order (<see cref="ForkJoin.Alone"/>).
/// </summary>
internal sealed class StepCores
{
    /// <summary>
    /// How long a choice holds before both ways are timed again: the slow link lasted a minute or more at a
    /// time, and a trial costs a few batches run the slower way (in one-epoch fits of the MLP, 0.2 s each with
    /// one trial, the median fit ran 0.97x as fast as with every batch shared, in a phase where sharing won).
    /// </summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    /// <summary>Timed batches of each way in a trial.</summary>
    public const int TrialBatches = 4;

    /// <summary>
    /// Batches each way runs untimed in a trial before its timed ones: the first batches after a switch find
    /// the data where the other way left it (an alone batch after shared ones reads the half the other core
    /// wrote, across the link that made alone worth trying; shared ones after alone ones wake the worker and
    /// hand half the data back). In a slow-link minute the CNN's shared batches took 2.3, 1.6, 1.5 and then
    /// 1.4 ms after an alone block, its alone ones 2.8, 2.0 and then 2.0. Timed the ways batch by batch in
    /// turns, as first written, three of the four alone batches paid for a switch, and in a minute of the slow
    /// link the trials chose to share, at 254k and 307k samples/s against 394k to 400k alone; with one batch
    /// untimed, a trial in a slow minute chose alone for the CNN, whose epoch then ran at 15.5k against 22.9k.
    /// </summary>
    public const int SettleBatches = 2;

    /// <summary>Batches a trial runs each way.</summary>
    private const int Block = SettleBatches + TrialBatches;

    /// <summary>
    /// Batches before the first trial: a Fit's first batches rent their buffers and may still run code the JIT
    /// has not optimized. The first trial comes right after them, not a period later: the benchmark's MLP
    /// trains an epoch in a fifth of a second, and a learner's Fit is often as short.
    /// </summary>
    public const int WarmupBatches = 8;

    /// <summary>
    /// Alone is chosen when its median batch takes less than this share of the shared one's: choosing it
    /// wrongly costs more than missing it (the CNN alone ran at two thirds of its speed shared even in the slow
    /// link's minutes; the MLP alone at 1.3 times its speed then, where its trials timed alone at 0.72x to 0.79x).
    /// Since each core keeps its half of the first dense layer's features (Gemm.InputSplitFor), the MLP's
    /// trials in slow-link minutes timed alone at 0.61x to 1.08x of shared, most of them 0.87x to 1.03x (20
    /// trials, median 0.95x): a looser margin would gain it little there.
    /// </summary>
    public const double Margin = 0.85;

    /// <summary>For the tests: when set, every batch on this thread runs this way (true: alone), with no trials.</summary>
    [ThreadStatic] internal static bool? Force;

    private static long _batchesRun, _batchesAlone;

    /// <summary>For the benchmarks: how many batches every training loop of the process has begun so far, and how many of them alone.</summary>
    internal static (long Run, long Alone) Batches => (Interlocked.Read(ref _batchesRun), Interlocked.Read(ref _batchesAlone));

    private readonly Func<long> _clock;
    private readonly long _period;
    private readonly long[] _alone = new long[TrialBatches], _shared = new long[TrialBatches];
    private long _nextTrial, _started;
    private int _batches;
    /// <summary>The batch of the running trial, or -1 between trials.</summary>
    private int _trial = -1;
    private bool _chosenAlone, _running;

    /// <summary>A chooser reading <paramref name="clock"/> (ticks; the stopwatch's by default), which times both ways after <see cref="WarmupBatches"/> batches and then every <paramref name="period"/> ticks.</summary>
    public StepCores(Func<long>? clock = null, long? period = null)
    {
        _clock = clock ?? Stopwatch.GetTimestamp;
        _period = period ?? (long)(Period.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Whether the batches between trials run alone (false until a trial found alone faster).</summary>
    public bool ChosenAlone => _chosenAlone;

    /// <summary>
    /// Whether the batch about to run runs alone; it is timed from here to <see cref="End"/>. A trial runs
    /// <see cref="Block"/> batches alone and then as many shared, and times all but the first <see cref="SettleBatches"/> of each.
    /// </summary>
    public bool Begin()
    {
        bool alone = Choose();
        Interlocked.Increment(ref _batchesRun);
        if (alone) Interlocked.Increment(ref _batchesAlone);
        return alone;
    }

    private bool Choose()
    {
        _running = true;
        if (Force is { } forced) return forced;
        if (ForkJoin.Cores < 2) return false;
        long now = _clock();
        if (_trial < 0 && _batches >= WarmupBatches && now >= _nextTrial) _trial = 0;
        _started = now;
        return _trial >= 0 ? AloneInTrial(_trial) : _chosenAlone;
    }

    /// <summary>
    /// Ends the batch begun last. Only batches of the loop's usual size count in a trial
    /// (<paramref name="comparable"/>: the last of an epoch may be smaller); the trial's last one makes the choice.
    /// </summary>
    public void End(bool comparable)
    {
        if (!_running) throw new InvalidOperationException("StepCores.End without Begin.");
        _running = false;
        _batches++;
        if (_trial < 0 || Force is not null || !comparable) return;
        long took = _clock() - _started;
        int slot = _trial % Block - SettleBatches;
        if (slot >= 0) (AloneInTrial(_trial) ? _alone : _shared)[slot] = took;
        if (++_trial < 2 * Block) return;
        _chosenAlone = Median(_alone) < Margin * Median(_shared);
        _trial = -1;
        _nextTrial = _clock() + _period;
    }

    /// <summary>Whether batch t of a trial runs alone: the first <see cref="Block"/> do.</summary>
    private static bool AloneInTrial(int t) => t < Block;

    /// <summary>The median of <paramref name="ticks"/>, sorted in place (the next trial overwrites them; a copy would be garbage every second).</summary>
    private static double Median(long[] ticks)
    {
        Array.Sort(ticks);
        return (ticks[(ticks.Length - 1) / 2] + ticks[ticks.Length / 2]) / 2.0;
    }
}
