using System.Text.Json.Serialization;
using Reimzul.History;
using Reimzul.Queue;

namespace Reimzul.Cli;

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyList<BuildRecord>))]
[JsonSerializable(typeof(List<TubeStats>))]
[JsonSerializable(typeof(List<BuriedJob>))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
