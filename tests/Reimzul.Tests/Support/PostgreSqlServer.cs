using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Reimzul.Processes;
using Xunit;

namespace Reimzul.Tests.Support;

/// <summary>
/// A real PostgreSQL cluster in a temp dir on a free loopback port, made with Debian's initdb and run with pg_ctl,
/// with password (scram-sha-256) authentication for user <see cref="User"/>. PostgreSQL refuses to run as root,
/// so under root (CI) the cluster belongs to <c>nobody</c> and its tools run through <c>runuser</c>.
/// It can be stopped and started again on the same port and data.
/// </summary>
public sealed class PostgreSqlServer : IAsyncLifetime, IDisposable
{
    public const string User = "reimzul";
    public const string Password = "history-test-password";
    private const string Unprivileged = "nobody";

    private readonly TempDir dir = new("reimzul-postgresql");
    private int databases;

    public int Port { get; private set; }

    public string DataDir => dir.Combine("data");

    /// <summary>A file holding <see cref="Password"/>, as <c>[history] password_file</c> names it.</summary>
    public string PasswordFile => dir.Combine("password");

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(PasswordFile, Password + "\n");
        if (IsRoot)
        {
            // The cluster's owner must reach its dir and read the password file.
            await RunAsync("chown", ["-R", $"{Unprivileged}:", dir.Path]);
        }
        await RunPostgresToolAsync("initdb", ["-D", DataDir, "-U", User, $"--pwfile={PasswordFile}", "--auth=scram-sha-256",
            "--no-sync", "--no-instructions", "-E", "UTF8", "--locale=C"]);
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            try
            {
                await StartAsync();
                return;
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
            }
        }
    }

    /// <summary>Starts the cluster on <see cref="Port"/>; returns once it accepts connections.</summary>
    public Task StartAsync() => RunPostgresToolAsync("pg_ctl", ["-D", DataDir, "-l", dir.Combine("server.log"), "-w", "-t", "60",
        "-o", $"-p {Port.ToString(CultureInfo.InvariantCulture)} -c listen_addresses=127.0.0.1 -k {dir.Path} -c fsync=off",
        "start"]);

    /// <summary>Stops the cluster at once (connections are cut), as a crash or a restart would.</summary>
    public Task StopAsync() => RunPostgresToolAsync("pg_ctl", ["-D", DataDir, "-m", "immediate", "-w", "stop"]);

    /// <summary>The connection string of a new, empty database, as <c>[history] url</c> holds it (no password: see <see cref="PasswordFile"/>).</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"history_{Interlocked.Increment(ref databases)}_{Guid.NewGuid():N}"[..40];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres") + $";Password={Password}");
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\";", connection);
        await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Database={database};Username={User};Pooling=false";

    /// <summary>A connection for reading or changing tables directly, as an operator with psql would.</summary>
    public static async Task<NpgsqlConnection> ConnectAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString + $";Password={Password}");
        await connection.OpenAsync();
        return connection;
    }

    public async Task DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Already stopped by the test.
        }
    }

    public void Dispose() => dir.Dispose();

    private static bool IsRoot => Environment.UserName == "root";

    private static async Task RunPostgresToolAsync(string tool, string[] arguments)
    {
        var program = FindTool(tool);
        if (IsRoot)
        {
            await RunAsync("runuser", ["-u", Unprivileged, "--", program, .. arguments]);
        }
        else
        {
            await RunAsync(program, arguments);
        }
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec(program, arguments) { Timeout = TimeSpan.FromSeconds(90) });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({result.ExitCode}): {result.StandardError}{result.StandardOutput}");
        }
    }

    // Debian keeps the server tools out of PATH, under /usr/lib/postgresql/VERSION/bin.
    private static string FindTool(string tool)
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin", tool))
                .Where(File.Exists)
                .OrderByDescending(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
        return installed ?? throw new InvalidOperationException($"{tool} of PostgreSQL is not installed (apt-get install postgresql)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
