using System.Globalization;

namespace Reimzul.QueueBench;

/// <summary>Command line: sizes of the runs. Defaults take about half a minute on a 2-core machine.</summary>
internal sealed record BenchOptions
{
    public int SequentialCycles { get; init; } = 4000;
    public int PipelinedCycles { get; init; } = 60000;
    public int Batch { get; init; } = 500;
    public int Rounds { get; init; } = 3;
    public int BodyBytes { get; init; } = 100;
    public bool Binlog { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            int Next() => i + 1 < args.Length && int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n
                : throw new ArgumentException($"{args[i - 1]} needs a positive whole number");
            options = args[i] switch
            {
                "--cycles" => options with { SequentialCycles = Next() },
                "--pipelined-cycles" => options with { PipelinedCycles = Next() },
                "--batch" => options with { Batch = Next() },
                "--rounds" => options with { Rounds = Next() },
                "--body" => options with { BodyBytes = Next() },
                "--binlog" => options with { Binlog = true },
                _ => throw new ArgumentException(
                    $"unknown option '{args[i]}' (use --cycles N, --pipelined-cycles N, --batch N, --rounds N, --body BYTES, --binlog)"),
            };
        }
        return options;
    }
}
