using System.Text.Json.Nodes;
using PhaseScope.Reporting.Store;

namespace PhaseScope.Tests.Reliability;

/// <summary>
/// Issue 24 item 6: <c>grok --resume</c> silently accepted an edited settings.json (another seed, batch size, probes), so
/// the stored config disagreed with what ran. The settings' fingerprint is stored at creation; an edit is refused unless
/// its config keys are named with <c>--allow-settings-change</c>, and an accepted edit is a <c>settings_changed</c> event.
/// </summary>
public class ResumeSettingsTests
{
    static readonly string[] Small = ["grok", "--task", "modular", "--p", "23", "--steps", "60", "--batch-size", "64", "--checkpoint-every", "30",
        "--d-model", "32", "--heads", "2", "--d-ff", "64", "--layers", "1", "--threads", "1", "--cheap-only", "--no-report", "--json"];

    internal static void Edit(string run, Action<JsonObject> edit)
    {
        var path = Path.Combine(run, "settings.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = false }));   // reformatted too
    }

    internal static void MarkUnfinished(string run)
    {
        using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(run, "run.db")};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE runs SET status = 'running', finished_utc = NULL, summary_json = NULL";
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void AnEditedSettingsFileIsRefusedUnlessTheChangeIsNamed()
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, [.. Small, "--out", dir.Path, "--name", "run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var run = Path.Combine(dir.Path, "run");
        MarkUnfinished(run);

        // reformatting alone changes nothing that ran: not an edit (the resume then finds no steps left to refuse over)
        Edit(run, _ => { });
        Edit(run, j => j["trainer"]!["Steps"] = 90);
        var refused = CliRunner.Run(dir.Path, "grok", "--resume", run, "--json");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("steps 60 → 90", refused.Stderr);
        Assert.Contains("--allow-settings-change steps", refused.Stderr);

        var wrongKey = CliRunner.Run(dir.Path, "grok", "--resume", run, "--allow-settings-change", "seed", "--json");
        Assert.Equal(2, wrongKey.ExitCode);

        var accepted = CliRunner.Run(dir.Path, "grok", "--resume", run, "--allow-settings-change", "steps", "--json");
        Assert.True(accepted.ExitCode == 0, accepted.Stderr);
        using var reader = RunReader.Open(run);
        var changed = Assert.Single(reader.Events(), e => e.Event.Kind == "settings_changed");
        Assert.Equal(60, changed.Event.Step);
        Assert.Contains("steps 60 → 90", changed.Event.Message);
        Assert.Equal(90, reader.Series("eval/test_acc")[^1].Step);
    }

    [Theory]
    [InlineData("trainer", null, "required setting")]
    [InlineData("model.Activation", "\"swish\"", "activation")]
    [InlineData("task.Operation", "\"Frobnicate\"", "not readable settings")]
    public void DamagedSettingsAreAClearError(string key, string? value, string expected)
    {
        using var dir = new TempDirectory();
        var r = CliRunner.Run(dir.Path, [.. Small, "--out", dir.Path, "--name", "run"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var run = Path.Combine(dir.Path, "run");
        MarkUnfinished(run);
        Edit(run, j => { var (section, name) = key.Contains('.') ? (j[key.Split('.')[0]]!.AsObject(), key.Split('.')[1]) : (j, key); section[name] = value is null ? null : JsonNode.Parse(value); });
        var resumed = CliRunner.Run(dir.Path, "grok", "--resume", run, "--allow-settings-change", "activation,op", "--json");
        Assert.Equal(2, resumed.ExitCode);
        Assert.Contains(expected, resumed.Stderr);
        Assert.DoesNotContain("   at ", resumed.Stderr);
    }
}
