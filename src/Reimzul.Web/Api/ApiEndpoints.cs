using Microsoft.AspNetCore.Builder;

namespace Reimzul.Web.Api;

/// <summary>Every endpoint of the web role, registered in one place.</summary>
internal static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public static void MapApi(WebApplication app, ApiServices services)
    {
        var api = app.MapGroup(Prefix);
        ReadEndpoints.Map(api, services);
        Badge.Map(app, services);
        AtomFeed.Map(app, services);
        MetricsEndpoint.Map(app, services, services.Metrics);
        ActionEndpoints.Map(api, services);
        LogEndpoints.Map(api, services);
        // The pages (docs/WEB.md): a client of the endpoints above, served beside them.
        Ui.UiEndpoints.MapUi(app);
    }
}
