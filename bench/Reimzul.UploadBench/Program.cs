// Upload throughput over TLS on loopback: HttpResultStore against curl sending the same files to the same bstore,
// and a plain local copy. Run: dotnet run -c Release --project bench/Reimzul.UploadBench [-- TOTAL_MIB [ROUNDS]]
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.ResultStores;
using Reimzul.Worker;
using Reimzul.Web;

var totalMib = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
var root = Directory.CreateTempSubdirectory("reimzul-upload-bench-").FullName;
try
{
    var pki = Pki.Create(Path.Combine(root, "pki"));
    var source = Path.Combine(root, "source");
    var bytes = MakeFiles(source, totalMib);
    Console.WriteLine($"{Directory.GetFiles(source).Length} files, {bytes / 1048576.0:0} MiB, in {source}");

    var config = new ReimzulConfig
    {
        Paths = ReimzulPaths.UnderDataDir(Path.Combine(root, "data")),
        // bstore takes a result only from the builder it names: the client certificate's CN.
        Builder = new BuilderOptions { Fqdn = "bench-worker" },
        Bstore = new BstoreOptions { Http = new HttpServiceOptions { Url = "unused", Listen = "127.0.0.1", Port = 0, Https = true, ClientCerts = true } },
        Tls = new TlsOptions { CaCert = pki.Ca, ServerCert = pki.ServerCert, ServerKey = pki.ServerKey, ClientCert = pki.ClientCert, ClientKey = pki.ClientKey },
    };
    await using var server = BstoreServer.Create(config, NullLoggerFactory.Instance);
    await server.StartAsync(CancellationToken.None);
    var url = server.Addresses.Single();
    Console.WriteLine($"bstore at {url}");
    using var store = HttpResultStore.Create(config with { Bstore = config.Bstore with { Http = config.Bstore.Http with { Url = url.ToString() } } }, NullLogger.Instance);

    var timings = new Dictionary<string, List<double>>();
    void Record(string what, TimeSpan elapsed) => (timings.TryGetValue(what, out var list) ? list : timings[what] = []).Add(elapsed.TotalSeconds);

    var run = 0;
    // Warm-up rounds are not recorded: JIT, TLS session setup, page cache.
    for (var round = -1; round < rounds; round++)
    {
        var warm = round < 0;
        var timestamp = $"2024010100{run++:0000}";
        var resultDir = CopyTree(source, Path.Combine(root, "work", timestamp));
        var watch = Stopwatch.StartNew();
        await store.StoreAsync(new StoredResult(resultDir, "bench.x86_64", "bench", timestamp, "1.0-1", "x86_64"), CancellationToken.None);
        if (!warm)
        {
            Record("HttpResultStore (hash + upload + commit)", watch.Elapsed);
        }

        timestamp = $"2024010100{run++:0000}";
        var (total, puts) = await CurlUploadAsync(url, pki, source, timestamp);
        if (!warm)
        {
            Record("curl (openssl sha256 + upload + commit)", total);
            Record("curl, PUTs alone", puts);
        }

        var copy = Path.Combine(root, "copies", timestamp);
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        watch.Restart();
        Run("cp", ["-r", source, copy]);
        if (!warm)
        {
            Record("cp -r (page cache)", watch.Elapsed);
        }
        Run("sync", ["-f", copy]);
        Run("sync", [.. Directory.GetFiles(copy)]);
        if (!warm)
        {
            Record("cp -r + sync", watch.Elapsed);
        }
        Directory.Delete(copy, recursive: true);
        Directory.Delete(Path.Combine(config.Paths.Repo, "bench.x86_64"), recursive: true);
    }

    Console.WriteLine();
    Console.WriteLine($"{"",-42} {"best s",8} {"median s",9} {"MiB/s (best)",13}");
    foreach (var (what, seconds) in timings)
    {
        var sorted = seconds.Order().ToList();
        Console.WriteLine($"{what,-42} {sorted[0],8:0.000} {sorted[sorted.Count / 2],9:0.000} {bytes / 1048576.0 / sorted[0],13:0}");
    }
    var ours = timings["HttpResultStore (hash + upload + commit)"].Min();
    var curl = timings["curl (openssl sha256 + upload + commit)"].Min();
    var curlPuts = timings["curl, PUTs alone"].Min();
    Console.WriteLine($"\nHttpResultStore, all included, reaches {curl / ours * 100:0}% of curl's throughput, and {curlPuts / ours * 100:0}% of curl's PUTs alone (best of {rounds}).");
}
finally
{
    Directory.Delete(root, recursive: true);
}

static long MakeFiles(string dir, int totalMib)
{
    Directory.CreateDirectory(dir);
    var random = new Random(42);
    long total = 0;
    var target = totalMib * 1048576L;
    for (var i = 0; total < target; i++)
    {
        var size = Math.Min(target - total, random.Next(1, 21) * 1048576L);
        var data = new byte[size];
        random.NextBytes(data);
        File.WriteAllBytes(Path.Combine(dir, $"bench-part{i:00}-1.0-1.x86_64.rpm"), data);
        total += size;
    }
    File.WriteAllText(Path.Combine(dir, "build.log"), "build ok\n");
    return total + 9;
}

static string CopyTree(string source, string destination)
{
    Directory.CreateDirectory(destination);
    foreach (var file in Directory.GetFiles(source))
    {
        File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
    }
    return destination;
}

// The same protocol with curl: the manifest from openssl's SHA-256 (sha256sum lacks SHA-NI and would handicap curl),
// one curl for every PUT (one kept-alive connection), commit.
static async Task<(TimeSpan Total, TimeSpan Puts)> CurlUploadAsync(Uri url, Pki pki, string source, string timestamp)
{
    string[] tls = ["--cacert", pki.Ca, "--cert", pki.ClientCert, "--key", pki.ClientKey, "-sS", "--fail-with-body"];
    var watch = Stopwatch.StartNew();
    var files = Directory.GetFiles(source).Order(StringComparer.Ordinal).ToList();
    var sums = Run("openssl", ["dgst", "-sha256", "-r", .. files]).Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => line.Split(" *", 2)).ToDictionary(p => p[1], p => p[0]);
    var manifest = new StringBuilder($"{{\"target\":\"bench.x86_64\",\"pkgname\":\"bench\",\"timestamp\":\"{timestamp}\",\"evr\":\"1.0-1\",\"arch\":\"x86_64\",\"files\":[");
    manifest.AppendJoin(',', files.Select(f => $"{{\"name\":\"{Path.GetFileName(f)}\",\"size\":{new FileInfo(f).Length},\"sha256\":\"{sums[f]}\"}}"));
    manifest.Append("]}");
    var begin = Run("curl", [.. tls, "-H", "Content-Type: application/json", "--data-binary", manifest.ToString(), new Uri(url, RemoteProtocol.ResultsPath).ToString()]);
    var id = begin.Split("\"upload_id\":\"")[1][..32];

    var puts = Stopwatch.StartNew();
    var putArgs = new List<string>(tls) { "-H", "Expect:", "-o", "/dev/null", "-w", "%{http_code}\\n" };
    foreach (var file in files)
    {
        putArgs.AddRange(["-T", file, new Uri(url, RemoteProtocol.ResultFilePath(id, Path.GetFileName(file))).ToString()]);
    }
    var codes = Run("curl", [.. putArgs]);
    puts.Stop();
    if (codes.Split('\n', StringSplitOptions.RemoveEmptyEntries).Any(c => c != "201"))
    {
        throw new InvalidOperationException("curl PUT failed: " + codes);
    }
    Run("curl", [.. tls, "-X", "POST", new Uri(url, RemoteProtocol.CommitPath(id)).ToString()]);
    await Task.CompletedTask;
    return (watch.Elapsed, puts.Elapsed);
}

static string Run(string program, string[] arguments)
{
    var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var error = process.StandardError.ReadToEndAsync();
    process.WaitForExit();
    return process.ExitCode == 0 ? output.Result : throw new InvalidOperationException($"{program} failed ({process.ExitCode}): {error.Result}{output.Result}");
}

/// <summary>A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files.</summary>
internal sealed record Pki(string Ca, string ServerCert, string ServerKey, string ClientCert, string ClientKey)
{
    public static Pki Create(string dir)
    {
        Directory.CreateDirectory(dir);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=Bench CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        var caPath = Path.Combine(dir, "ca.crt");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        var (serverCert, serverKey) = Issue(ca, dir, "server", "1.3.6.1.5.5.7.3.1", now, withAddress: true);
        var (clientCert, clientKey) = Issue(ca, dir, "bench-worker", "1.3.6.1.5.5.7.3.2", now, withAddress: false);
        return new Pki(caPath, serverCert, serverKey, clientCert, clientKey);
    }

    private static (string, string) Issue(X509Certificate2 ca, string dir, string cn, string usage, DateTimeOffset now, bool withAddress)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={cn}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (withAddress)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        using var certificate = request.Create(ca, now.AddDays(-1), now.AddDays(7), RandomNumberGenerator.GetBytes(8));
        var (certPath, keyPath) = (Path.Combine(dir, cn + ".crt"), Path.Combine(dir, cn + ".key"));
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
