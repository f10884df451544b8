using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Queue;
using Reimzul.Status;
using Reimzul.Web.Auth;

namespace Reimzul.Web.Api;

/// <summary>What the endpoints of the web role share: the configuration, the history, the queue, the read model, and who may read and write.</summary>
internal sealed record ApiServices(
    ReimzulConfig Config,
    IHistoryStore History,
    IJobQueueFactory Queues,
    ReadModel ReadModel,
    ReadAccess Readers,
    WriterAuthenticator Writers,
    ILogger Logger,
    TimeProvider Time,
    MetricsCollector Metrics);
