namespace NeuralNotebooks.Runner.Tests;

/// <summary>
/// The runner's patience: the start-up limit only covers starting the kernel. A long notebook on a slow
/// machine (every cell well within the per-cell limit, the whole run past the start-up limit) used to be
/// stopped between two cells as if its kernel had never started.
/// </summary>
public class WaitLimitTests
{
    private static readonly TimeSpan Cell = TimeSpan.FromSeconds(300);

    [Fact]
    public void Before_the_first_cell_the_rest_of_the_start_up_limit_applies()
    {
        var early = NotebookRunner.WaitLimit(Cell, started: false, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
        var late = NotebookRunner.WaitLimit(Cell, started: false, TimeSpan.FromMinutes(11), TimeSpan.FromMinutes(11));
        Assert.True(early > TimeSpan.FromMinutes(9), $"{early}");
        Assert.True(late <= TimeSpan.Zero, $"{late}");
    }

    [Fact]
    public void Between_cells_of_a_notebook_running_for_longer_than_the_start_up_limit_the_per_cell_limit_applies()
    {
        // Twelve minutes into the notebook, two seconds after the last cell finished.
        var limit = NotebookRunner.WaitLimit(Cell, started: true, TimeSpan.FromMinutes(12), TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(298), limit);
    }
}
