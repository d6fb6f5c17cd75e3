namespace NeuralNotebooks.Tests;

/// <summary>
/// Tests that count the bytes the process allocates. <see cref="GC.GetTotalAllocatedBytes"/> counts every
/// thread, so these run alone, after the tests that run in parallel.
/// </summary>
[CollectionDefinition(nameof(AllocationCounting), DisableParallelization = true)]
public class AllocationCounting;
