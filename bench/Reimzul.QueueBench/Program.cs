using System.Diagnostics;
using System.Text;
using Reimzul.Queue;
using Reimzul.Queue.Beanstalk;
using Reimzul.QueueBench;

// beanstalkd throughput of our client against fivebeans (npm) one command at a time, and of our batches
// against a bare pipelined socket (the server's ceiling), all on one beanstalkd, interleaved in one run.
var options = BenchOptions.Parse(args);
var work = Path.Combine(Path.GetTempPath(), $"reimzul-queuebench-{Environment.ProcessId}");
Directory.CreateDirectory(work);
try
{
    Console.WriteLine($"installing {NpmClient.Package}@{NpmClient.PinnedVersion} with npm into {work} ...");
    var npm = await NpmClient.InstallAsync(Path.Combine(work, "npm"));
    using var server = await BenchServer.StartAsync(options.Binlog ? Directory.CreateDirectory(Path.Combine(work, "binlog")).FullName : null);
    var beanstalkd = new BeanstalkdOptions { Host = "127.0.0.1", Port = server.Port };
    await using var client = await BeanstalkClient.ConnectAsync(beanstalkd);
    var body = Encoding.ASCII.GetBytes(new string('x', options.BodyBytes));
    var bodyText = Encoding.ASCII.GetString(body);
    var tubes = 0;
    string NextTube() => $"bench{++tubes}";

    Console.WriteLine($"beanstalkd {client.ServerVersion} on 127.0.0.1:{server.Port}, binlog {(options.Binlog ? "on" : "off")}; "
        + $"{options.BodyBytes}-byte bodies; {options.SequentialCycles} sequential and {options.PipelinedCycles} pipelined cycles "
        + $"(batches of {options.Batch}); median of {options.Rounds} interleaved rounds");

    // Warm-up: JIT and the server's tube and job allocations, measured by no one.
    await OursSequentialAsync(client, NextTube(), 500, body);
    await OursPipelinedAsync(client, NextTube(), options.Batch * 4, options.Batch, body);
    await QueueSequentialAsync(beanstalkd, NextTube(), 500, bodyText);

    var runs = new Dictionary<string, List<double>>();
    void Record(string name, int cycles, double seconds)
    {
        (runs.TryGetValue(name, out var list) ? list : runs[name] = []).Add(cycles / seconds);
        Console.WriteLine($"  {name,-40} {cycles / seconds,10:N0} cycles/s");
    }
    for (var round = 1; round <= options.Rounds; round++)
    {
        Console.WriteLine($"round {round}:");
        Record("fivebeans", options.SequentialCycles, await npm.RunSequentialAsync(server.Port, NextTube(), options.SequentialCycles, options.BodyBytes));
        Record("ours", options.SequentialCycles, await OursSequentialAsync(client, NextTube(), options.SequentialCycles, body));
        Record("queue", options.SequentialCycles, await QueueSequentialAsync(beanstalkd, NextTube(), options.SequentialCycles, bodyText));
        Record("raw", options.PipelinedCycles, await RawAsync(server.Port, NextTube(), options.PipelinedCycles, options.Batch, body));
        Record("ours-batched", options.PipelinedCycles, await OursPipelinedAsync(client, NextTube(), options.PipelinedCycles, options.Batch, body));
    }

    double Median(string name) => runs[name].Order().ElementAt(runs[name].Count / 2);
    var (fivebeans, ours, queue, raw, batched) = (Median("fivebeans"), Median("ours"), Median("queue"), Median("raw"), Median("ours-batched"));
    Console.WriteLine();
    Console.WriteLine("put + reserve + delete cycles per second (median):");
    Console.WriteLine("one command at a time:");
    Console.WriteLine($"  {npm.Version,-44} {fivebeans,10:N0}");
    Console.WriteLine($"  {"Reimzul BeanstalkClient",-44} {ours,10:N0}   {ours / fivebeans:0.00}x fivebeans");
    Console.WriteLine($"  {"Reimzul producer + consumer (reserve adds stats-job)",-44} {queue,10:N0}   {queue / fivebeans:0.00}x fivebeans");
    Console.WriteLine($"pipelined, batches of {options.Batch}:");
    Console.WriteLine($"  {"raw socket (the server's ceiling)",-44} {raw,10:N0}");
    Console.WriteLine($"  {"Reimzul BeanstalkClient batches",-44} {batched,10:N0}   {batched / raw:0.00}x raw, {batched / fivebeans:0.0}x fivebeans");
    Console.WriteLine();
    Console.WriteLine($"goal: sequential at least 0.90x fivebeans: {(ours >= 0.9 * fivebeans ? "met" : "NOT met")} ({ours / fivebeans:0.00}x)");
    Console.WriteLine($"goal: batches at least 0.80x raw: {(batched >= 0.8 * raw ? "met" : "NOT met")} ({batched / raw:0.00}x)");
}
finally
{
    Directory.Delete(work, recursive: true);
}

static async Task<double> OursSequentialAsync(BeanstalkClient client, string tube, int cycles, byte[] body)
{
    await client.UseAsync(tube);
    await client.WatchOnlyAsync([tube]);
    var ttr = TimeSpan.FromSeconds(60);
    var started = Stopwatch.GetTimestamp();
    for (var i = 0; i < cycles; i++)
    {
        await client.PutAsync(body, 10, TimeSpan.Zero, ttr);
        var job = await client.ReserveAsync(TimeSpan.Zero) ?? throw new InvalidOperationException("a job went missing");
        await client.DeleteAsync(job.Id);
    }
    return Stopwatch.GetElapsedTime(started).TotalSeconds;
}

static async Task<double> QueueSequentialAsync(BeanstalkdOptions beanstalkd, string tube, int cycles, string body)
{
    var factory = new BeanstalkdJobQueueFactory(beanstalkd);
    await using var producer = await factory.OpenProducerAsync();
    await using var consumer = await factory.OpenConsumerAsync();
    IReadOnlyCollection<string> watched = [tube];
    var ttr = TimeSpan.FromSeconds(60);
    var started = Stopwatch.GetTimestamp();
    for (var i = 0; i < cycles; i++)
    {
        await producer.PutAsync(tube, body, 10, TimeSpan.Zero, ttr);
        var job = await consumer.ReserveAsync(watched, TimeSpan.Zero) ?? throw new InvalidOperationException("a job went missing");
        await job.DeleteAsync();
    }
    return Stopwatch.GetElapsedTime(started).TotalSeconds;
}

static async Task<double> OursPipelinedAsync(BeanstalkClient client, string tube, int cycles, int batch, byte[] body)
{
    await client.UseAsync(tube);
    await client.WatchOnlyAsync([tube]);
    var bodies = Enumerable.Repeat((ReadOnlyMemory<byte>)body, batch).ToArray();
    var ttr = TimeSpan.FromSeconds(60);
    var started = Stopwatch.GetTimestamp();
    for (var done = 0; done < cycles; done += batch)
    {
        await client.PutManyAsync(bodies, 10, TimeSpan.Zero, ttr);
        var jobs = await client.ReserveManyAsync(batch);
        if (await client.DeleteManyAsync(jobs.Select(j => j.Id).ToArray()) != batch)
        {
            throw new InvalidOperationException("a job went missing");
        }
    }
    return Stopwatch.GetElapsedTime(started).TotalSeconds;
}

static async Task<double> RawAsync(int port, string tube, int cycles, int batch, byte[] body)
{
    using var raw = await RawPipelinedClient.ConnectAsync(port);
    await raw.SetUpAsync(tube);
    return await raw.RunAsync(cycles, batch, body);
}
