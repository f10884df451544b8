using Reimzul.Tests.Support;

namespace Reimzul.Tests.Cli;

/// <summary>A config naming a file that is not there stops the program at start with exit code 3, not a retry loop later.</summary>
public sealed class ConfigAtStartFacts : IDisposable
{
    private readonly TempDir _dir = new("reimzul-config-start");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AQueueCaCertThatDoesNotExistStopsTheWorkerAtStart()
    {
        var config = _dir.Combine("reimzul.ini");
        await File.WriteAllTextAsync(config, "[queue]\nbackend = beanstalkd\nhost = 127.0.0.1\ntls = yes\nca_cert = /nonexistent/ca.crt\n");

        var result = await ReimzulCli.RunAsync("worker", "--config", config, "--data-dir", _dir.Combine("data"));

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"reimzul: configuration error: {config}:5: [queue] ca_cert: '/nonexistent/ca.crt' does not exist", result.StandardError.TrimEnd());
    }

    [Fact]
    public async Task ADataDirUnderAPlainFileIsNamedWithItsKey()
    {
        var plain = _dir.Combine("plain");
        await File.WriteAllTextAsync(plain, "");
        var config = _dir.Combine("reimzul.ini");
        await File.WriteAllTextAsync(config, $"[paths]\ndata_dir = {plain}/data\n");

        var result = await ReimzulCli.RunAsync("submit", "--config", config, "-s", "x-1.0-1.src.rpm", "-a", "x86_64", "-t", "c7", "-d", ".el7");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"reimzul: configuration error: {config}:2: [paths] data_dir: '{plain}/data' cannot be created: '{plain}' is not a directory", result.StandardError.TrimEnd());
    }

    [Fact]
    public async Task HttpsWithoutAServerCertificateStopsTheControllerWithOneLineAndNoStackTrace()
    {
        var config = _dir.Combine("reimzul.ini");
        await File.WriteAllTextAsync(config, "[controller]\nhttps = yes\nport = 1\n");

        var result = await ReimzulCli.RunAsync("controller", "--config", config, "--data-dir", _dir.Combine("data"));

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"reimzul: configuration error: {config}: [controller] https = yes needs [tls] server_cert and server_key", result.StandardError.TrimEnd());
    }

    [Fact]
    public async Task AShortTokensFileStopsBstoreWithOneLineAndNoStackTrace()
    {
        var tokens = _dir.Combine("tokens");
        await File.WriteAllTextAsync(tokens, "just-a-token\n");
        var config = _dir.Combine("reimzul.ini");
        await File.WriteAllTextAsync(config, $"[bstore]\ntokens = {tokens}\nport = 1\n");

        var result = await ReimzulCli.RunAsync("bstore", "--config", config, "--data-dir", _dir.Combine("data"));

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"reimzul: configuration error: {tokens}:1: expected 'TOKEN NAME': the name is missing", result.StandardError.TrimEnd());
    }
}
