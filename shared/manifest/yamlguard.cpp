#include "manifest/yamlguard.h"

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

    void OnDocumentStart(const YAML::Mark &) override {}
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
};

SourceLocation locationOf(const YAML::Mark &mark)
{
    return mark.line >= 0 ? SourceLocation{mark.line + 1, mark.column + 1} : SourceLocation{};
}

} // namespace

std::optional<Diagnostic> checkYamlStream(const std::string &text, int maxDocuments, int maxDepth)
{
    std::istringstream input(text);
    YAML::Parser parser(input);
    DepthCounter counter(maxDepth);
    try {
        for (int documents = 0; parser.HandleNextDocument(counter);) {
            if (++documents > maxDocuments)
                return Diagnostic{Severity::Error,
                                  QString(),
                                  {},
                                  u"the file holds more than %1 YAML documents (or a stray ',' "
                                  u"where a document should start): split it, or remove the "
                                  u"stray character"_s.arg(maxDocuments)};
        }
    } catch (const TooDeep &tooDeep) {
        return Diagnostic{Severity::Error, QString(), locationOf(tooDeep.mark),
                          u"the file nests lists and mappings more than %1 levels deep: "
                          u"flatten it"_s.arg(maxDepth)};
    }
    return std::nullopt;
}

} // namespace berth::manifest
