#include "manifest/yamlguard.h"

#include "manifest/limits.h"

#include <QStringDecoder>

#include <algorithm>
#include <sstream>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

using namespace Qt::StringLiterals;

namespace berth::manifest {

namespace {

struct TooDeep
{
    YAML::Mark mark;
};

// Counts nesting; builds nothing.
class DepthCounter : public YAML::EventHandler
{
public:
    explicit DepthCounter(int maxDepth)
        : m_maxDepth(maxDepth)
    {}

    void OnDocumentStart(const YAML::Mark &mark) override { lastDocumentStart = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark &, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t,
                  const std::string &) override
    {}
    void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                         YAML::EmitterStyle::value) override
    {
        enter(mark);
    }
    void OnSequenceEnd() override { --m_depth; }
    void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t,
                    YAML::EmitterStyle::value) override
    {
        enter(mark);
    }
    void OnMapEnd() override { --m_depth; }

private:
    void enter(const YAML::Mark &mark)
    {
        if (++m_depth > m_maxDepth)
            throw TooDeep{mark};
    }

    int m_maxDepth;
    int m_depth = 0;

public:
    YAML::Mark lastDocumentStart = YAML::Mark::null_mark();
};

Diagnostic inputError(SourceLocation location, const QString &message)
{
    return Diagnostic{Severity::Error, QString(), location, message};
}

} // namespace

SourceLocation sourceLocation(const YAML::Mark &mark)
{
    if (mark.is_null() || mark.line < 0 || mark.column < 0)
        return {};
    return {mark.line + 1, mark.column + 1};
}

SourceLocation sourceLocationAt(const QByteArray &text, qsizetype offset)
{
    offset = std::clamp<qsizetype>(offset, 0, text.size());
    const QByteArray before = text.left(offset);
    return {int(before.count('\n')) + 1, int(offset - before.lastIndexOf('\n'))};
}

std::optional<Diagnostic> checkYamlStream(const std::string &text, int maxDocuments, int maxDepth)
{
    std::istringstream input(text);
    YAML::Parser parser(input);
    DepthCounter counter(maxDepth);
    try {
        for (int documents = 0; parser.HandleNextDocument(counter);) {
            if (++documents > maxDocuments)
                return Diagnostic{
                    Severity::Error, QString(), sourceLocation(counter.lastDocumentStart),
                    maxDocuments == 1
                        ? u"the file holds more than one document (or a stray ',' where a "
                          u"document should start): a manifest is one pod, put each pod in its "
                          u"own file"_s
                        : u"the file holds more than %1 YAML documents (or a stray ',' where a "
                          u"document should start): split it, or remove the stray "
                          u"character"_s.arg(maxDocuments)};
        }
    } catch (const TooDeep &tooDeep) {
        return Diagnostic{Severity::Error, QString(), sourceLocation(tooDeep.mark),
                          u"the file nests lists and mappings more than %1 levels deep: "
                          u"flatten it"_s.arg(maxDepth)};
    }
    return std::nullopt;
}

std::optional<Diagnostic> checkTextInput(const QByteArray &text)
{
    if (text.size() > limits::MaxFileBytes)
        return inputError({1, 1},
                          u"the file is %1 bytes; Berth reads files of at most %2 bytes "
                          u"(1 MiB): split it or remove what is not needed"_s.arg(text.size())
                              .arg(limits::MaxFileBytes));
    if (const auto nul = text.indexOf('\0'); nul >= 0)
        return inputError(sourceLocationAt(text, nul),
                          u"the file contains a NUL byte: it is binary data, not YAML or JSON "
                          u"text"_s);
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    const QString decoded = decoder.decode(text); // decoding happens on conversion
    if (decoder.hasError())
        return inputError({1, 1}, u"the file is not UTF-8 text: save it as UTF-8"_s);
    return std::nullopt;
}

std::optional<Diagnostic> checkYamlInput(const QByteArray &text, int maxDocuments)
{
    if (auto problem = checkTextInput(text))
        return problem;
    try {
        return checkYamlStream(text.toStdString(), maxDocuments, limits::MaxNestingDepth);
    } catch (const YAML::Exception &e) {
        return inputError(sourceLocation(e.mark),
                          u"the file is not valid YAML: %1"_s.arg(QString::fromStdString(e.msg)));
    }
}

} // namespace berth::manifest
