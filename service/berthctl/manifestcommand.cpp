#include "manifestcommand.h"

#include "manifest/importer.h"
#include "manifest/kuberenderer.h"
#include "manifest/limits.h"
#include "manifest/manifestcodec.h"

#include <QCommandLineParser>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

using namespace Qt::StringLiterals;
using namespace berth::manifest;

namespace berth::cli {

namespace {

const QString ManifestHelp = uR"(Usage: berthctl manifest SUBCOMMAND [OPTIONS] FILE...

Pod manifests (apiVersion berth/v1, kind Pod; docs/manifest.md).

Subcommands:
  validate FILE...            check manifests; one line per problem as
                              FILE:LINE:COL: PATH: message
                              exit 0 when valid, 1 on problems, 2 on usage errors
  render FILE [--format F]    print the manifest as yaml (default), json, or the
                              kubernetes objects a provider runs
  import FILE [--from F]      convert a docker-compose, Kubernetes (Pod or
                              Deployment) or Akash SDL file into a Berth manifest
                              on stdout; warnings on stderr. The format is
                              detected unless --from compose|kubernetes|akash

Options:
  -o, --output FILE           write the result to FILE instead of stdout
      --json                  validate: print the problems as JSON
  -h, --help                  show this help
)"_s;

struct LoadedFile
{
    QByteArray text;
    QString error; // empty when read
};

// Reads at most one byte over the limit so huge files are refused without
// being read whole.
LoadedFile readFile(const QString &path)
{
    QFile file(path);
    if (path == u"-") {
        if (!file.open(stdin, QIODevice::ReadOnly))
            return {{}, u"cannot read standard input"_s};
    } else if (!file.open(QIODevice::ReadOnly)) {
        return {{}, u"cannot read the file: %1"_s.arg(file.errorString())};
    }
    LoadedFile loaded{file.read(limits::MaxFileBytes + 1), {}};
    if (file.error() != QFileDevice::NoError)
        loaded.error = u"cannot read the file: %1"_s.arg(file.errorString());
    return loaded;
}

QString displayName(const QString &path)
{
    return path == u"-" ? u"<stdin>"_s : path;
}

void printDiagnostics(QTextStream &stream, const QString &file, const QList<Diagnostic> &list)
{
    for (const auto &d : list) {
        Diagnostic shown = d;
        if (d.severity == Severity::Warning)
            shown.message = u"warning: "_s + d.message;
        stream << formatDiagnostic(file, shown) << "\n";
    }
}

QJsonObject toJson(const QString &file, const Diagnostic &d)
{
    return QJsonObject{{u"file"_s, file},
                       {u"line"_s, d.location.line},
                       {u"column"_s, d.location.column},
                       {u"path"_s, d.path},
                       {u"severity"_s, d.severity == Severity::Error ? u"error"_s : u"warning"_s},
                       {u"message"_s, d.message}};
}

// Writes to --output (atomically) or stdout.
bool writeOutput(CommandContext &context, const QString &output, const QByteArray &data)
{
    if (output.isEmpty()) {
        context.out << QString::fromUtf8(data);
        return true;
    }
    QSaveFile file(output);
    if (!file.open(QIODevice::WriteOnly) || file.write(data) != data.size() || !file.commit()) {
        context.err << "berthctl: cannot write " << output << ": " << file.errorString() << "\n";
        return false;
    }
    return true;
}

// Parses the subcommand's options; on error prints it and returns false.
bool parseOptions(QCommandLineParser &parser, CommandContext &context, const QString &subcommand,
                  int &exitCode)
{
    parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsOptions);
    const QCommandLineOption help({u"h"_s, u"help"_s}, u"Show help."_s);
    parser.addOption(help);
    if (!parser.parse(QStringList{u"berthctl"_s} + context.arguments.mid(1))) {
        exitCode = context.usageError(parser.errorText(), u"manifest"_s);
        return false;
    }
    if (parser.isSet(help)) {
        context.out << ManifestHelp;
        exitCode = ExitOk;
        return false;
    }
    if (parser.positionalArguments().isEmpty()) {
        exitCode = context.usageError(u"manifest %1 needs a FILE"_s.arg(subcommand), u"manifest"_s);
        return false;
    }
    return true;
}

int validateCommand(CommandContext &context)
{
    QCommandLineParser parser;
    const QCommandLineOption json(u"json"_s, u"Print problems as JSON."_s);
    parser.addOption(json);
    int exitCode = ExitOk;
    if (!parseOptions(parser, context, u"validate"_s, exitCode))
        return exitCode;

    QJsonArray report;
    bool failed = false;
    for (const QString &path : parser.positionalArguments()) {
        const QString name = displayName(path);
        const LoadedFile file = readFile(path);
        QList<Diagnostic> diagnostics;
        if (!file.error.isEmpty()) {
            diagnostics.append(Diagnostic{Severity::Error, {}, {}, file.error});
        } else {
            diagnostics = loadManifest(file.text).diagnostics;
        }
        failed = failed || hasErrors(diagnostics);
        if (parser.isSet(json)) {
            for (const auto &d : diagnostics)
                report.append(toJson(name, d));
        } else {
            printDiagnostics(context.out, name, diagnostics);
            if (!hasErrors(diagnostics))
                context.out << name << ": valid\n";
        }
    }
    if (parser.isSet(json))
        context.out << QString::fromUtf8(
            QJsonDocument(QJsonObject{{u"valid"_s, !failed}, {u"problems"_s, report}})
                .toJson(QJsonDocument::Indented));
    return failed ? ExitFailure : ExitOk;
}

int renderCommand(CommandContext &context)
{
    QCommandLineParser parser;
    const QCommandLineOption format({u"f"_s, u"format"_s}, u"yaml, json or kubernetes"_s,
                                    u"FORMAT"_s, u"yaml"_s);
    const QCommandLineOption output({u"o"_s, u"output"_s}, u"Write to FILE."_s, u"FILE"_s);
    parser.addOption(format);
    parser.addOption(output);
    int exitCode = ExitOk;
    if (!parseOptions(parser, context, u"render"_s, exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return context.usageError(u"manifest render takes one FILE"_s, u"manifest"_s);
    const QString kind = parser.value(format);
    if (kind != u"yaml" && kind != u"json" && kind != u"kubernetes")
        return context.usageError(
            u"unknown format \"%1\": use yaml, json or kubernetes"_s.arg(kind), u"manifest"_s);

    const QString path = parser.positionalArguments().front();
    const LoadedFile file = readFile(path);
    if (!file.error.isEmpty()) {
        context.err << displayName(path) << ": " << file.error << "\n";
        return ExitFailure;
    }
    const ParseResult loaded = loadManifest(file.text);
    printDiagnostics(context.err, displayName(path), loaded.diagnostics);
    if (!loaded.ok())
        return ExitFailure;

    QByteArray data;
    if (kind == u"yaml")
        data = writeManifest(loaded.pod, ManifestFormat::Yaml);
    else if (kind == u"json")
        data = writeManifest(loaded.pod, ManifestFormat::Json);
    else
        data = renderKubernetesYaml(loaded.pod);
    return writeOutput(context, parser.value(output), data) ? ExitOk : ExitFailure;
}

int importCommand(CommandContext &context)
{
    QCommandLineParser parser;
    const QCommandLineOption from(u"from"_s, u"compose, kubernetes or akash"_s, u"FORMAT"_s);
    const QCommandLineOption output({u"o"_s, u"output"_s}, u"Write to FILE."_s, u"FILE"_s);
    parser.addOption(from);
    parser.addOption(output);
    int exitCode = ExitOk;
    if (!parseOptions(parser, context, u"import"_s, exitCode))
        return exitCode;
    if (parser.positionalArguments().size() != 1)
        return context.usageError(u"manifest import takes one FILE"_s, u"manifest"_s);
    std::optional<SourceFormat> format;
    if (parser.isSet(from)) {
        format = sourceFormatFromString(parser.value(from));
        if (!format || *format == SourceFormat::Berth)
            return context.usageError(
                u"unknown format \"%1\": use compose, kubernetes or akash"_s.arg(
                    parser.value(from)),
                u"manifest"_s);
    }

    const QString path = parser.positionalArguments().front();
    const QString name = displayName(path);
    const LoadedFile file = readFile(path);
    if (!file.error.isEmpty()) {
        context.err << name << ": " << file.error << "\n";
        return ExitFailure;
    }
    ImportResult imported = importManifest(file.text, format);
    sortByLocation(imported.diagnostics); // in file order, as a reader goes through it
    printDiagnostics(context.err, name, imported.diagnostics);
    if (!imported.pod || hasErrors(imported.diagnostics))
        return ExitFailure;

    const QByteArray yaml = writeManifest(*imported.pod, ManifestFormat::Yaml);
    if (!writeOutput(context, parser.value(output), yaml))
        return ExitFailure;
    // The converted pod must stand on its own: judge it as `validate` would, with
    // locations in the written manifest.
    const ParseResult check = loadManifest(yaml);
    const QString written = parser.isSet(output) ? parser.value(output) : u"<stdout>"_s;
    printDiagnostics(context.err, written, check.diagnostics);
    if (!check.ok()) {
        context.err << name
                    << ": the converted manifest has the problems above; edit it before "
                       "deploying\n";
        return ExitFailure;
    }
    return ExitOk;
}

} // namespace

int runManifestCommand(CommandContext &context)
{
    const QString subcommand = context.arguments.value(0);
    if (subcommand.isEmpty()) {
        context.err << ManifestHelp;
        return ExitUsage;
    }
    if (subcommand == u"--help" || subcommand == u"-h" || subcommand == u"help") {
        context.out << ManifestHelp;
        return ExitOk;
    }
    if (subcommand == u"validate")
        return validateCommand(context);
    if (subcommand == u"render")
        return renderCommand(context);
    if (subcommand == u"import")
        return importCommand(context);
    return context.usageError(u"unknown manifest subcommand \"%1\""_s.arg(subcommand),
                              u"manifest"_s);
}

} // namespace berth::cli
