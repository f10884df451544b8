using System.Security.Cryptography;
using Reimzul.Protocol;
using Reimzul.Worker;

namespace Reimzul.Tests.Web;

/// <summary>Result dirs as a worker leaves them, with random contents, and what their files should be on bstore.</summary>
public static class ResultFiles
{
    public const string Target = "c7.1708.u.x86_64";
    public const string Timestamp = "20240102030405";

    /// <summary>A result dir of <paramref name="pkgName"/> with RPMs and mock-style logs; returns it and its files' SHA-256s.</summary>
    public static (StoredResult Result, Dictionary<string, string> Sha256ByName) Make(string parent, string pkgName = "hello", int rpmBytes = 300_000)
    {
        var dir = Path.Combine(parent, "result-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var files = new Dictionary<string, byte[]>
        {
            [$"{pkgName}-1.0-1.el7.x86_64.rpm"] = RandomNumberGenerator.GetBytes(rpmBytes),
            [$"{pkgName}-libs-1.0-1.el7.x86_64.rpm"] = RandomNumberGenerator.GetBytes(rpmBytes / 3),
            ["build.log"] = "gcc -O2 -o hello hello.c\nbuild ok\n"u8.ToArray(),
            ["root.log"] = "root ok\n"u8.ToArray(),
            ["hw_info.log"] = "CPU: 2\n"u8.ToArray(),
            ["stdout"] = [],
        };
        foreach (var (name, bytes) in files)
        {
            File.WriteAllBytes(Path.Combine(dir, name), bytes);
        }
        var result = new StoredResult(dir, Target, pkgName, Timestamp, "1.0-1.el7", "x86_64");
        return (result, files.ToDictionary(f => f.Key, f => Convert.ToHexStringLower(SHA256.HashData(f.Value)), StringComparer.Ordinal));
    }

    public static string FinalDir(string repo, StoredResult result) => Path.Combine(repo, result.Target, result.PkgName, result.Timestamp, $"{result.Evr}.{result.Arch}");

    /// <summary>Name → SHA-256 of every file in <paramref name="dir"/>.</summary>
    public static Dictionary<string, string> Hashes(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);

    public static async Task<ResultManifest> ManifestAsync(StoredResult result) =>
        await ResultManifests.FromDirectoryAsync(result.ResultDir, result.Target, result.PkgName, result.Timestamp, result.Evr, result.Arch, CancellationToken.None);
}
