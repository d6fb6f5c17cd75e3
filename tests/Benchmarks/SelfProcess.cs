using System.Diagnostics;

namespace Benchmarks;

/// <summary>This benchmark program started again as a child process, for measurements that need a process of their own.</summary>
internal static class SelfProcess
{
    /// <summary>This program with <paramref name="args"/>, in the current environment (a child inherits it, and may add to it).</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot find this benchmark program's executable to start it again.");
        var psi = new ProcessStartInfo(self);
        // Launched through the dotnet host, the program is the first argument after it.
        if (Path.GetFileNameWithoutExtension(self) == "dotnet") psi.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }
}
