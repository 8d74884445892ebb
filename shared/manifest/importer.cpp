#include "manifest/importer.h"

#include "manifest/akashimporter.h"
#include "manifest/composeimporter.h"
#include "manifest/importcontext.h"
#include "manifest/kubernetesimporter.h"
#include "manifest/limits.h"
#include "manifest/yamlguard.h"

#include <array>
#include <string>
#include <vector>
#include <yaml-cpp/yaml.h>

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

// A Kubernetes stream of more objects than this is not one pod's worth.
constexpr int MaxDocuments = 1000;

constexpr std::array<SourceFormat, 4> AllFormats{SourceFormat::Berth, SourceFormat::Compose,
                                                 SourceFormat::Kubernetes, SourceFormat::Akash};

Diagnostic documentError(const QString &message, SourceLocation location = {})
{
    return Diagnostic{Severity::Error, QString(), location, message};
}

std::optional<SourceFormat> detect(const std::vector<YAML::Node> &documents)
{
    bool kubernetesShaped = false;
    for (const YAML::Node &document : documents) {
        if (!document.IsMap())
            continue;
        const QString apiVersion = ImportContext::scalarChild(document, "apiVersion");
        const QString kind = ImportContext::scalarChild(document, "kind");
        if (apiVersion == QLatin1StringView(ApiVersion))
            return SourceFormat::Berth;
        if (!apiVersion.isEmpty() && (kind == u"Pod" || kind == u"Deployment"))
            return SourceFormat::Kubernetes;
        if (!apiVersion.isEmpty() && !kind.isEmpty())
            kubernetesShaped = true;
        if (document["services"].IsDefined()) {
            if (document["profiles"].IsDefined() && document["deployment"].IsDefined())
                return SourceFormat::Akash;
            return SourceFormat::Compose;
        }
    }
    // Kubernetes objects, but no workload: the Kubernetes importer says what is missing.
    if (kubernetesShaped)
        return SourceFormat::Kubernetes;
    return std::nullopt;
}

// Parses every document of the stream, or reports why not.
std::optional<std::vector<YAML::Node>> parseDocuments(const QByteArray &text,
                                                      QList<Diagnostic> &diagnostics)
{
    if (auto problem = checkYamlInput(text, MaxDocuments)) {
        diagnostics.append(*problem);
        return std::nullopt;
    }
    try {
        const std::string input(text.constData(), std::size_t(text.size()));
        return YAML::LoadAll(input);
    } catch (const YAML::Exception &e) {
        diagnostics.append(
            documentError(u"the file is not valid YAML: %1"_s.arg(QString::fromStdString(e.msg)),
                          sourceLocation(e.mark)));
    } catch (const std::exception &e) {
        diagnostics.append(documentError(
            u"the file could not be read as YAML: %1"_s.arg(QString::fromUtf8(e.what()))));
    }
    return std::nullopt;
}

std::optional<Pod> runImporter(SourceFormat format, const std::vector<YAML::Node> &documents,
                               ImportContext &context)
{
    const YAML::Node first = documents.empty() ? YAML::Node() : documents.front();
    switch (format) {
    case SourceFormat::Berth:
        context.report(Severity::Error, QString(), {},
                       u"this is already a Berth manifest; use `berthctl manifest validate`"_s);
        return std::nullopt;
    case SourceFormat::Compose:
        return ComposeImporter(context).run(first);
    case SourceFormat::Kubernetes:
        return KubernetesImporter(context).run(documents);
    case SourceFormat::Akash:
        return AkashImporter(context).run(first);
    }
    return std::nullopt;
}

} // namespace

QString toString(SourceFormat format)
{
    switch (format) {
    case SourceFormat::Berth:
        return u"berth"_s;
    case SourceFormat::Compose:
        return u"compose"_s;
    case SourceFormat::Kubernetes:
        return u"kubernetes"_s;
    case SourceFormat::Akash:
        return u"akash"_s;
    }
    return {};
}

std::optional<SourceFormat> sourceFormatFromString(const QString &name)
{
    for (const SourceFormat format : AllFormats) {
        if (toString(format) == name)
            return format;
    }
    return std::nullopt;
}

std::optional<SourceFormat> detectSourceFormat(const QByteArray &text)
{
    QList<Diagnostic> ignored;
    const auto documents = parseDocuments(text, ignored);
    if (!documents)
        return std::nullopt;
    try {
        return detect(*documents);
    } catch (const std::exception &) { // YAML::Exception and anything else
        return std::nullopt;
    }
}

ImportResult importManifest(const QByteArray &text, std::optional<SourceFormat> from)
{
    ImportResult result;
    const auto documents = parseDocuments(text, result.diagnostics);
    if (!documents)
        return result;
    ImportContext context;
    try {
        if (!from)
            from = detect(*documents);
        if (!from) {
            result.diagnostics.append(documentError(
                u"cannot tell what kind of file this is: expected a compose file (`services`), "
                u"Kubernetes objects (`apiVersion`, `kind: Pod` or `Deployment`) or an Akash SDL "
                u"(`services`, `profiles`, `deployment`); name the format with --from"_s));
            return result;
        }
        result.pod = runImporter(*from, *documents, context);
    } catch (const YAML::Exception &e) {
        result.pod.reset();
        result.diagnostics = context.takeDiagnostics();
        result.diagnostics.append(documentError(
            u"the file could not be converted: %1"_s.arg(QString::fromStdString(e.msg)),
            sourceLocation(e.mark)));
        return result;
    } catch (const std::exception &e) {
        result.pod.reset();
        result.diagnostics = context.takeDiagnostics();
        result.diagnostics.append(documentError(
            u"the file could not be converted (%1): please report this with the file"_s.arg(
                QString::fromUtf8(e.what()))));
        return result;
    } catch (const ImportBudgetExceeded &) {
        result.pod.reset();
        result.diagnostics = context.takeDiagnostics();
        result.diagnostics.append(documentError(
            u"the file expands into too much data (through YAML aliases): write the values out "
            u"instead of repeating large anchors"_s));
        return result;
    }
    result.diagnostics += context.takeDiagnostics();
    return result;
}

} // namespace berth::manifest
