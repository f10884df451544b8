using System.Diagnostics;
using System.Globalization;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.EndToEnd.Chaos;

/// <summary>
/// Long-running processes (roles and servers) that are SIGKILLed at random and started again after a
/// random down time, as daemons crash and machines die in production. Every kill is written down so a
/// failure can be replayed with the same seed.
/// </summary>
public sealed class ChaosMonkey(int seed) : IAsyncDisposable
{
    private readonly Dictionary<string, Member> _members = new(StringComparer.Ordinal);
    private readonly List<RunningProcess> _killed = [];
    private readonly List<string> _actions = [];
    private readonly Random _random = new(seed);

    public int Seed { get; } = seed;

    public IReadOnlyList<string> Actions => _actions;

    public IEnumerable<string> Names => _members.Keys;

    public RunningProcess this[string name] => _members[name].Process;

    /// <summary>Starts a member; <paramref name="wholeTree"/> kills its children too (a builder's rpmbuild dies with its machine).</summary>
    public RunningProcess Add(string name, Func<RunningProcess> start, bool wholeTree = false)
    {
        var member = new Member(start, wholeTree) { Process = start() };
        _members.Add(name, member);
        return member.Process;
    }

    /// <summary>Kills members at random for <paramref name="duration"/>; every member runs again when it returns.</summary>
    public async Task RunAsync(TimeSpan duration, TimeSpan maxGap, TimeSpan maxDowntime)
    {
        var clock = Stopwatch.StartNew();
        var names = _members.Keys.Order(StringComparer.Ordinal).ToArray();
        while (clock.Elapsed < duration)
        {
            await Task.Delay(Between(TimeSpan.FromMilliseconds(300), maxGap));
            var name = names[_random.Next(names.Length)];
            var member = _members[name];
            var downtime = Between(TimeSpan.Zero, maxDowntime);
            _actions.Add(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalSeconds:0.0}s kill {name} (pid {member.Process.Pid}), down {downtime.TotalMilliseconds:0} ms"));
            member.Process.KillHard(member.WholeTree);
            await member.Process.WaitForExitAsync();
            _killed.Add(member.Process);
            await Task.Delay(downtime);
            member.Process = member.Start();
        }
    }

    /// <summary>Stops one member as an operator would (SIGINT) and waits for it; its exit code.</summary>
    public Task<int> StopAsync(string name) => _members[name].Process.InterruptAsync(TimeSpan.FromSeconds(60));

    public string Describe() =>
        $"seed {Seed} (REIMZUL_CHAOS_SEED={Seed} replays the kills)\n" + string.Join("\n", _actions) + "\n"
        + string.Join("\n", _members.Values.Select(m => m.Process.Describe()));

    private TimeSpan Between(TimeSpan min, TimeSpan max) =>
        min + TimeSpan.FromMilliseconds(_random.NextDouble() * Math.Max(0, (max - min).TotalMilliseconds));

    public async ValueTask DisposeAsync()
    {
        foreach (var member in _members.Values)
        {
            member.Process.KillHard(entireTree: true);
            await member.Process.DisposeAsync();
        }
        foreach (var process in _killed)
        {
            await process.DisposeAsync();
        }
    }

    private sealed class Member(Func<RunningProcess> start, bool wholeTree)
    {
        public Func<RunningProcess> Start { get; } = start;

        public bool WholeTree { get; } = wholeTree;

        public required RunningProcess Process { get; set; }
    }
}
