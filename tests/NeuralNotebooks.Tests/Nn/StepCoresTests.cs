using NeuralNotebooks.Kernels;

namespace NeuralNotebooks.Tests.Nn;

/// <summary>
/// The choice between running a training loop's batches on all the cores or on the calling thread alone,
/// on a clock the tests move: batches share the cores until a trial finds alone clearly faster, trials
/// come after the warm-up and then once a period, and a batch of another size does not count.
/// </summary>
public class StepCoresTests
{
    private const long Period = 1_000;

    /// <summary>A clock that moves only when told.</summary>
    private sealed class Clock
    {
        public long Now;
    }

    /// <summary>
    /// Runs <paramref name="batches"/> batches, each taking <paramref name="alone"/> ticks when it runs alone
    /// and <paramref name="shared"/> when it shares the cores; returns whether each ran alone.
    /// </summary>
    private static List<bool> Run(StepCores cores, Clock clock, int batches, long alone, long shared)
    {
        var ways = new List<bool>();
        for (int b = 0; b < batches; b++)
        {
            bool a = cores.Begin();
            clock.Now += a ? alone : shared;
            cores.End(comparable: true);
            ways.Add(a);
        }
        return ways;
    }

    private static (StepCores Cores, Clock Clock) Make()
    {
        var clock = new Clock();
        return (new StepCores(() => clock.Now, Period), clock);
    }

    /// <summary>The ways of a trial's batches: alone ones to settle and the timed ones, then as many shared.</summary>
    private static readonly bool[] TrialWays =
        [.. Enumerable.Repeat(true, StepCores.SettleBatches + StepCores.TrialBatches), .. Enumerable.Repeat(false, StepCores.SettleBatches + StepCores.TrialBatches)];

    [Fact]
    public void Batches_share_the_cores_until_a_trial_finds_alone_clearly_faster()
    {
        var (cores, clock) = Make();
        var ways = Run(cores, clock, StepCores.WarmupBatches + TrialWays.Length + 5, alone: 30, shared: 40);
        if (ForkJoin.Cores < 2)
        {
            // One core: each loop has one part anyway, and no batch is ever told to run alone.
            Assert.All(ways, Assert.False);
            return;
        }
        Assert.All(ways.Take(StepCores.WarmupBatches), Assert.False);
        Assert.Equal(TrialWays, ways.Skip(StepCores.WarmupBatches).Take(TrialWays.Length));
        Assert.All(ways.Skip(StepCores.WarmupBatches + TrialWays.Length), Assert.True);
        Assert.True(cores.ChosenAlone);
    }

    [Theory]
    [InlineData(33, 40, true)]
    [InlineData(35, 40, false)]   // faster, but within the margin: not worth the risk of a wrong choice
    [InlineData(40, 40, false)]
    [InlineData(60, 40, false)]
    public void Alone_is_chosen_only_when_its_median_batch_is_faster_by_the_margin(long alone, long shared, bool chosenAlone)
    {
        if (ForkJoin.Cores < 2) return;   // nothing to choose between (the test above checks that)
        var (cores, clock) = Make();
        var ways = Run(cores, clock, StepCores.WarmupBatches + TrialWays.Length + 3, alone, shared);
        Assert.Equal(chosenAlone, cores.ChosenAlone);
        Assert.All(ways.TakeLast(3), w => Assert.Equal(chosenAlone, w));
    }

    [Fact]
    public void Both_ways_are_timed_again_once_a_period_has_passed()
    {
        if (ForkJoin.Cores < 2) return;
        var (cores, clock) = Make();
        Run(cores, clock, StepCores.WarmupBatches + TrialWays.Length, alone: 30, shared: 40);
        Assert.True(cores.ChosenAlone);
        // The machine changes: alone now takes 50. Batches stay alone until a period has passed since the trial.
        var ways = Run(cores, clock, (int)(Period / 50) + TrialWays.Length + 3, alone: 50, shared: 40);
        int held = (int)(Period / 50);
        Assert.All(ways.Take(held), Assert.True);
        Assert.Equal(TrialWays, ways.Skip(held).Take(TrialWays.Length));
        Assert.All(ways.TakeLast(3), Assert.False);
        Assert.False(cores.ChosenAlone);
    }

    [Fact]
    public void The_first_batches_of_each_way_one_slow_batch_and_a_batch_of_another_size_do_not_decide()
    {
        if (ForkJoin.Cores < 2) return;
        var (cores, clock) = Make();
        Run(cores, clock, StepCores.WarmupBatches, alone: 30, shared: 40);
        var ways = new List<bool>();
        int firstShared = StepCores.SettleBatches + StepCores.TrialBatches;
        for (int t = 0; t < TrialWays.Length; t++)
        {
            if (t == 2)
            {
                // The epoch's last, smaller batch, in the middle of the trial, slow whichever way: left out, and its
                // place in the trial goes to the next batch.
                bool small = cores.Begin();
                Assert.Equal(TrialWays[2], small);
                clock.Now += 10_000;
                cores.End(comparable: false);
            }
            bool a = cores.Begin();
            ways.Add(a);
            // The first batches of each way pay for the switch (here the first shared ones as if they were fast,
            // which would make alone lose if they counted); one other alone batch meets a hiccup of the machine.
            bool settling = t % firstShared < StepCores.SettleBatches;
            clock.Now += settling ? (a ? 5_000 : 1) : t == 3 ? 4_000 : a ? 30 : 40;
            cores.End(comparable: true);
        }
        Assert.Equal(TrialWays, ways);
        Assert.True(cores.ChosenAlone);
    }

    [Fact]
    public void End_without_Begin_is_refused()
    {
        var (cores, _) = Make();
        Assert.Throws<InvalidOperationException>(() => cores.End(comparable: true));
    }
}
