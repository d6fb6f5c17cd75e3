namespace NeuralNotebooks.Plotly;

/// <summary>
/// Where a notebook gets plotly.js: the figure's script loads this pinned version from the Plotly
/// CDN the first time a page needs it (VS Code's notebook view runs output scripts and has network
/// access); file-based apps embed the same version from Plotly.NET instead.
/// </summary>
public static class PlotlyJs
{
    /// <summary>The plotly.js version the notebooks load; the same one Plotly.NET 6.0.0 embeds in app pages.</summary>
    public const string Version = "2.28.0";

    /// <summary>The pinned script's address.</summary>
    public const string CdnUrl = "https://cdn.plot.ly/plotly-" + Version + ".min.js";

    /// <summary>What a reader sees where the interactive figure would be when no script runs (GitHub, an offline page).</summary>
    public static string PlaceholderText(string? title) =>
        $"Interactive view{(title is null ? "" : $" of \u201c{title}\u201d")} (Plotly). It needs plotly.js {Version}, which the notebook loads from cdn.plot.ly " +
        "when it runs in VS Code. This page did not run it (offline, or a viewer without scripts): the static charts and printed tables of the notebook show the same data.";

    /// <summary>The text that replaces the placeholder when the script runs but cannot fetch plotly.js.</summary>
    public const string OfflineText =
        "Could not load plotly.js " + Version + " from cdn.plot.ly (no network?). The static charts and printed tables of the notebook show the same data; " +
        "the file-based app writes this view as a self-contained HTML file that works offline.";

    /// <summary>
    /// The script that draws <paramref name="figureJson"/> into the element <paramref name="id"/>:
    /// it reuses plotly.js if the page has it, goes through require.js where the page has an AMD
    /// loader (as Jupyter does; plotly.js then registers as a module instead of a global), and
    /// otherwise adds one script tag per page, shared by every figure.
    /// </summary>
    internal static string Loader(string id, string figureJson) => $$"""
        <script type="text/javascript">
        (function () {
          var figure = {{figureJson}};
          var id = "{{id}}", url = "{{CdnUrl}}";
          function show(Plotly) {
            var plot = document.getElementById(id), note = document.getElementById(id + "-placeholder");
            if (!plot) return;
            if (note) note.style.display = "none";
            plot.style.display = "block";
            Plotly.newPlot(plot, figure.data, figure.layout, { responsive: true });
          }
          function fail() {
            var note = document.getElementById(id + "-placeholder");
            if (note) note.textContent = {{System.Text.Json.JsonSerializer.Serialize(OfflineText)}};
          }
          if (window.Plotly) { show(window.Plotly); return; }
          if (typeof window.requirejs === "function" && typeof window.requirejs.config === "function") {
            window.requirejs.config({ paths: { plotly: url.slice(0, -3) } });
            window.requirejs(["plotly"], show, fail);
            return;
          }
          if (!window.neuralNotebooksPlotly) {
            window.neuralNotebooksPlotly = new Promise(function (resolve, reject) {
              var script = document.createElement("script");
              script.src = url;
              script.onload = function () { resolve(window.Plotly); };
              script.onerror = function () { window.neuralNotebooksPlotly = null; reject(); };
              document.head.appendChild(script);
            });
          }
          window.neuralNotebooksPlotly.then(show, fail);
        })();
        </script>
        """;
}
