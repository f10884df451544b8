using System.Text.Json.Serialization;
using Reimzul.Status;

namespace Reimzul.Web.Api;

/// <summary>
/// The JSON of <c>/api/v1</c>: snake_case, nulls written (a reader sees every field of the contract), times in UTC with a
/// Z, markup characters escaped (\u003C) so no reply ever carries a tag; source-generated for Native AOT.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true, Converters = [typeof(UtcTimeConverter)])]
[JsonSerializable(typeof(Reimzul.Protocol.ErrorBody))]
[JsonSerializable(typeof(BuildList))]
[JsonSerializable(typeof(PackageHistory))]
[JsonSerializable(typeof(BuildDetail))]
[JsonSerializable(typeof(QueueFigures))]
[JsonSerializable(typeof(BuilderList))]
[JsonSerializable(typeof(BuriedList))]
internal sealed partial class ApiJson : JsonSerializerContext;
