using Reimzul.HistoryMongoDb;
using Reimzul.HistoryStores;

// Serves the MongoDB build history to reimzul on stdin/stdout (see HistoryProtocol). The connection string comes
// in the environment, never on the command line, where other users could read a password in it.
var url = Environment.GetEnvironmentVariable(MongoHistoryStore.UrlEnvironmentVariable);
if (string.IsNullOrWhiteSpace(url))
{
    await Console.Error.WriteLineAsync($"reimzul-history-mongodb: {MongoHistoryStore.UrlEnvironmentVariable} is not set (reimzul starts this program; see [history] in reimzul.ini)");
    return 2;
}
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
// Tests fix the clock that stamps recorded_at, as they do for the stores that run inside reimzul.
var time = DateTimeOffset.TryParse(Environment.GetEnvironmentVariable("REIMZUL_HISTORY_TEST_NOW"), System.Globalization.CultureInfo.InvariantCulture,
    System.Globalization.DateTimeStyles.AssumeUniversal, out var now) ? new FixedClock(now) : TimeProvider.System;
return await HistoryServer.RunAsync(async ct => await MongoHistoryStore.OpenAsync(url, time, ct), Console.In, Console.Out, stop.Token);

internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
