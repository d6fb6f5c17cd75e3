using System.Xml.Linq;
using static NeuralNotebooks.Tests.Metrics.Fixtures;

namespace NeuralNotebooks.Tests.Metrics;

// This namespace is itself named Metrics; the alias points at the library's Metrics class.
using Metrics = global::NeuralNotebooks.Metrics;

public class ConfusionMatrixTests
{
    [Fact]
    public void Counts_match_scikit_learn_with_a_class_never_predicted()
    {
        // Produced by scikit-learn 1.2: print(confusion_matrix(y_true, y_pred))
        const string expected = "[[3 0 0]\n [2 0 1]\n [0 0 4]]";
        var cm = Metrics.ConfusionMatrix(NeverPredictedTrue, NeverPredictedPred);
        Assert.Equal(expected, cm.ToArrayString());
        Assert.Equal(new int[,] { { 3, 0, 0 }, { 2, 0, 1 }, { 0, 0, 4 } }, cm.Counts);
        Assert.Equal(2, cm[1, 0]);
        Assert.Equal(10, cm.Total);
        Assert.Equal(0.7, cm.Accuracy, 15);
    }

    [Fact]
    public void A_label_only_predicted_gets_its_own_row_and_column()
    {
        // Produced by scikit-learn 1.2: print(confusion_matrix(y_true, y_pred))
        const string expected = "[[2 0 0 1]\n [0 2 0 1]\n [1 0 1 0]\n [0 0 0 0]]";
        var cm = Metrics.ConfusionMatrix(AbsentFromTrueTrue, AbsentFromTruePred);
        Assert.Equal(4, cm.NumClasses);
        Assert.Equal(expected, cm.ToArrayString());
    }

    [Fact]
    public void Normalisation_matches_scikit_learn()
    {
        // Produced by scikit-learn 1.2: confusion_matrix(y_true, y_pred, normalize=...).tolist()
        var t = AbsentFromTrueTrue;
        var p = AbsentFromTruePred;
        Assert.Equal(new double[,]
        {
            { 0.6666666666666666, 0.0, 0.0, 0.3333333333333333 },
            { 0.0, 0.6666666666666666, 0.0, 0.3333333333333333 },
            { 0.5, 0.0, 0.5, 0.0 },
            { 0.0, 0.0, 0.0, 0.0 },
        }, Metrics.ConfusionMatrix(t, p, normalize: "true").Values);
        Assert.Equal(new double[,]
        {
            { 0.6666666666666666, 0.0, 0.0, 0.5 },
            { 0.0, 1.0, 0.0, 0.5 },
            { 0.3333333333333333, 0.0, 1.0, 0.0 },
            { 0.0, 0.0, 0.0, 0.0 },
        }, Metrics.ConfusionMatrix(t, p, normalize: "pred").Values);
        Assert.Equal(new double[,]
        {
            { 0.25, 0.0, 0.0, 0.125 },
            { 0.0, 0.25, 0.0, 0.125 },
            { 0.125, 0.0, 0.125, 0.0 },
            { 0.0, 0.0, 0.0, 0.0 },
        }, Metrics.ConfusionMatrix(t, p, normalize: "all").Values);
        var counts = Metrics.ConfusionMatrix(t, p, normalize: "true");
        Assert.Equal(1, counts[0, 3]);
        Assert.Equal(3.0, Metrics.ConfusionMatrix(t, p).Normalized(null)[0, 0] + Metrics.ConfusionMatrix(t, p).Normalized(null)[0, 3]);
    }

    [Fact]
    public void Unknown_normalisation_is_rejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => Metrics.ConfusionMatrix(BinaryTrue, BinaryPred, normalize: "rows"));
        Assert.Contains("\"rows\"", ex.Message);
    }

    [Fact]
    public void Number_of_classes_adds_empty_rows_and_rejects_labels_out_of_range()
    {
        var cm = Metrics.ConfusionMatrix(BinaryTrue, BinaryPred, numClasses: 3);
        Assert.Equal("[[2 0 0]\n [1 3 0]\n [0 0 0]]", cm.ToArrayString());
        var ex = Assert.Throws<ArgumentException>(() => Metrics.ConfusionMatrix(NeverPredictedTrue, NeverPredictedPred, numClasses: 2));
        Assert.Contains("yPred[1] = 2 is not a class in 0..1", ex.Message);
    }

    [Fact]
    public void Most_confused_lists_the_largest_off_diagonal_cells_first()
    {
        int[] t = [4, 4, 4, 9, 9, 7, 7, 7, 1, 4, 3, 5];
        int[] p = [9, 9, 9, 4, 9, 1, 1, 7, 7, 4, 5, 3];
        var cm = Metrics.ConfusionMatrix(t, p, numClasses: 10);
        var top = cm.MostConfused(3);
        Assert.Equal(3, top.Count);
        Assert.Equal(new ConfusedPair(4, 9, "4", "9", 3), top[0]);
        Assert.Equal(new ConfusedPair(7, 1, "7", "1", 2), top[1]);
        Assert.Equal(new ConfusedPair(1, 7, "1", "7", 1), top[2]);
        Assert.Equal("true 4, predicted 9: 3", top[0].ToString());
        // Six off-diagonal cells are non-zero; the diagonal never appears.
        var all = cm.MostConfused(100);
        Assert.Equal(6, all.Count);
        Assert.DoesNotContain(all, x => x.TrueClass == x.PredictedClass);
    }

    [Fact]
    public void Class_names_label_the_headers_and_must_match_the_class_count()
    {
        string[] names = ["T-shirt/top", "Trouser", "Pullover"];
        var cm = Metrics.ConfusionMatrix(NeverPredictedTrue, NeverPredictedPred, names);
        Assert.Equal(names, cm.ClassNames);
        Assert.Equal("Trouser", cm.MostConfused(1)[0].TrueName);
        Assert.Throws<ArgumentException>(() => { cm.ClassNames = ["a", "b"]; });
        cm.ClassNames = ["zero", "one", "two"];
        Assert.Equal("one", cm.MostConfused(1)[0].TrueName);
    }

    [Fact]
    public void Text_table_is_aligned_with_true_rows_and_predicted_columns()
    {
        var cm = Metrics.ConfusionMatrix(NeverPredictedTrue, NeverPredictedPred, ["cat", "dog", "bird"]);
        const string expected =
            "true \\ pred  cat  dog  bird\n" +
            "        cat    3    0     0\n" +
            "        dog    2    0     1\n" +
            "       bird    0    0     4\n";
        Assert.Equal(expected, cm.ToString());

        var normalised = Metrics.ConfusionMatrix(NeverPredictedTrue, NeverPredictedPred, normalize: "true");
        const string expectedNormalised =
            "true \\ pred     0     1     2\n" +
            "          0  1.00  0.00  0.00\n" +
            "          1  0.67  0.00  0.33\n" +
            "          2  0.00  0.00  1.00\n";
        Assert.Equal(expectedNormalised, normalised.ToString());
    }

    [Fact]
    public void Html_heat_map_is_an_n_by_n_table_of_counts_with_headers()
    {
        var cm = Metrics.ConfusionMatrix(AbsentFromTrueTrue, AbsentFromTruePred, ["a<b", "b", "c", "d"]);
        Assert.Equal("text/html", cm.MimeType);
        var table = HtmlFragment.Parse(cm.Render());
        var header = table.Element("thead")!.Element("tr")!.Elements("th").Select(th => th.Value).ToList();
        Assert.Equal(["true \\ predicted", "a<b", "b", "c", "d"], header);
        var rows = table.Element("tbody")!.Elements("tr").ToList();
        Assert.Equal(4, rows.Count);
        var counts = cm.Counts;
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(cm.ClassNames[i], rows[i].Element("th")!.Value);
            var cells = rows[i].Elements("td").ToList();
            Assert.Equal(4, cells.Count);
            for (int j = 0; j < 4; j++) Assert.Equal(counts[i, j].ToString(), cells[j].Value);
        }
    }

    [Fact]
    public void Heat_map_shades_by_value_with_readable_text()
    {
        var cm = new ConfusionMatrix(new int[,] { { 50, 0 }, { 5, 45 } });
        var cells = HtmlFragment.Parse(cm.Render()).Descendants("td").ToList();
        string Style(int k, string prop) =>
            cells[k].Attribute("style")!.Value.Split(';').Single(s => s.StartsWith(prop + ":"))[(prop.Length + 1)..];
        // The largest cell is darkest and gets white text; an empty cell stays light with black text.
        Assert.Equal("#08306b", Style(0, "background"));
        Assert.Equal("#ffffff", Style(0, "color"));
        Assert.Equal("#f7fbff", Style(1, "background"));
        Assert.Equal("#000000", Style(1, "color"));
        Assert.NotEqual(Style(2, "background"), Style(3, "background"));
    }

    [Fact]
    public void Normalised_heat_map_shows_values_and_counts()
    {
        var cm = Metrics.ConfusionMatrix(NeverPredictedTrue, NeverPredictedPred, normalize: "true");
        var cells = HtmlFragment.Parse(cm.Render()).Descendants("td").ToList();
        Assert.Equal(9, cells.Count);
        Assert.Equal("0.67", ((XText)cells[3].FirstNode!).Value);
        Assert.Equal("2", cells[3].Element("small")!.Value);
        Assert.Contains("each row sums to 1", cm.Render());
    }

    [Fact]
    public void Counts_constructor_validates_its_table()
    {
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix(new int[2, 3]));
        Assert.Throws<ArgumentException>(() => new ConfusionMatrix(new int[,] { { 1, -1 }, { 0, 1 } }));
        var cm = new ConfusionMatrix(new int[,] { { 1, 2 }, { 3, 4 } }, ["no", "yes"], "pred");
        Assert.Equal(0.75, cm.Values[1, 0]);
        Assert.Equal(4.0 / 6.0, cm.Values[1, 1]);
        Assert.Equal([0, 1], cm.Labels);
    }

    [Fact]
    public void Confusion_matrix_is_marked_for_rich_notebook_display()
    {
        var attr = typeof(ConfusionMatrix).GetCustomAttributes(typeof(Display.TypeFormatterSourceAttribute), false)
            .Cast<Display.TypeFormatterSourceAttribute>().Single();
        Assert.Equal(typeof(Display.RichDisplayFormatterSource), attr.FormatterSourceType);
        var formatter = new Display.RichDisplayFormatter("text/html");
        var writer = new StringWriter();
        Assert.True(formatter.Format(Metrics.ConfusionMatrix(BinaryTrue, BinaryPred), writer));
        Assert.StartsWith("<table", writer.ToString());
    }

    [Fact]
    public void The_counts_constructor_names_classNames_when_their_number_is_wrong()
    {
        // ParamName was "value", from the ClassNames setter.
        var e = Assert.ThrowsAny<ArgumentException>(() => new ConfusionMatrix(new int[,] { { 1, 0 }, { 0, 1 } }, ["a"]));
        Assert.Equal("classNames", e.ParamName);
        Assert.Contains("1 class names for a 2-class confusion matrix", e.Message);
    }
}
