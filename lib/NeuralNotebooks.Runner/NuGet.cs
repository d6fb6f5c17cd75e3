using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.CodeAnalysis;

namespace NeuralNotebooks.Runner;

/// <summary>
/// <c>#r "nuget: Name, Version"</c>: restores the package with a real <c>dotnet build</c> of a small
/// project that references it, and returns the assemblies it brings (cached per package and version).
/// </summary>
internal static class NuGet
{
    private static readonly ConcurrentDictionary<string, Task<MetadataReference[]>> Cache = new();

    public static Task<MetadataReference[]> RestoreAsync(string name, string? version) =>
        Cache.GetOrAdd($"{name}/{version}", _ => Task.Run(() => Restore(name, version)));

    private static MetadataReference[] Restore(string name, string? version)
    {
        var dir = Path.Combine(Path.GetTempPath(), "neuralnotebooks-nuget", $"{name}-{version ?? "latest"}".ToLowerInvariant());
        var output = Path.Combine(dir, "out");
        var marker = Path.Combine(dir, "restored");
        if (!File.Exists(marker))
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "restore.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <OutputType>Library</OutputType>
                    <CopyLocalLockFileAssemblies>true</CopyLocalLockFileAssemblies>
                    <OutputPath>{output}</OutputPath>
                    <AppendTargetFrameworkToOutputPath>false</AppendTargetFrameworkToOutputPath>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="{name}" Version="{version ?? "*"}" />
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(dir, "Empty.cs"), "");
            var psi = new ProcessStartInfo("dotnet", ["build", "restore.csproj", "-nologo", "-v", "q"])
            {
                WorkingDirectory = dir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            psi.Environment["MSBUILDDISABLENODEREUSE"] = "1";
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                // "…/restore.csproj : error NU1101: Unable to find package X. … [/…/restore.csproj]" -> "NU1101: Unable to find package X. …"
                var why = string.Join("\n", (stdout.Result + stderr.Result).Split('\n')
                    .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"error (?<what>[A-Z]+\d+: .*?)(\s+\[[^\]]*\])?\s*$"))
                    .Where(m => m.Success).Select(m => m.Groups["what"].Value).Distinct().Take(5));
                if (why.Length == 0) why = "dotnet build of the restore project failed";
                throw new CellException(0, $"could not restore NuGet package '{name}'{(version is null ? "" : $" version {version}")}: {why.Trim()}");
            }
            File.WriteAllText(marker, "");
        }
        return Directory.GetFiles(output, "*.dll")
            .Where(f => !Path.GetFileName(f).Equals("restore.dll", StringComparison.OrdinalIgnoreCase))
            .Select(f => (MetadataReference)MetadataReference.CreateFromFile(f))
            .ToArray();
    }
}
