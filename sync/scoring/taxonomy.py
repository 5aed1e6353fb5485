"""Categories without keyword lists: a default taxonomy, and keywords read from a category's name.

A new user configures feeds only, or names categories without keywords
("研究与方法", "Developer tools"). Both must still sort articles.

Contract (pure; deterministic):

- ``CONCEPTS`` is a small bilingual lexicon of what AI/tech news is about:
  each concept has the words that name it (in a category name) and the
  keywords that find it in an article (English and Chinese).
- ``DEFAULT_CATEGORIES`` is the taxonomy used when no ``categories`` are
  configured (``scoring.categories = []`` or absent).
- ``category_rules(categories, configured)`` gives, per category in order, its
  keywords: the configured ``category_keywords`` when there are any, else the
  words of its name plus the keywords of every concept the name mentions
  ("研究与方法" -> research + method -> paper, arxiv, 论文, 算法, ...). A name
  that mentions a specific concept drops the generic "AI" one ("AI 编程" is
  about programming, not about every AI article).
- "Other" is never a rule: it is what an article with no hit gets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

OTHER = "Other"


@dataclass(frozen=True)
class Concept:
    key: str
    names: tuple[str, ...]        # words that invoke it in a category name (folded)
    keywords: tuple[str, ...]     # words that find it in an article


def _c(key: str, names: str, keywords: str) -> Concept:
    return Concept(key, tuple(names.split("|")), tuple(k.strip() for k in keywords.split("|") if k.strip()))


CONCEPTS: tuple[Concept, ...] = (
    _c("research", "research|science|paper|study|method|methodology|theory|academic|研究|方法|科研|论文|学术|理论|方法论",
       "paper|arxiv|research|researchers|study|method|algorithm|theory|dataset|experiment|ablation|optimizer|"
       "pretraining|training|fine-tuning|reinforcement learning|attention|sparse attention|architecture|kv cache|"
       "iclr|neurips|icml|acl|cvpr|论文|研究|方法|算法|理论|实验|训练|预训练|优化器|注意力|架构|数据集|提出|综述|"
       "梯度|强化学习|泛化|微调|稀疏|"
       # how models are measured and understood (``HEADLINE_ONLY``: in a title, not a body)
       "benchmark|benchmarks|evaluation|evaluations|evals|interpretability|hallucination|hallucinations|"
       "评测|可解释性|幻觉|"
       # arXiv's subject classes, as its feeds give them for each paper's <category>
       "cs.ai|cs.cl|cs.lg|cs.cv|cs.ne|cs.ir|cs.ma|cs.ro|stat.ml"),
    _c("models", "model|release|launch|llm|foundation|模型|发布|大模型|新模型|基座",
       "release|released|launch|launches|open weights|open-weight|open weight|open-source model|checkpoint|"
       "model family|parameters|mixture-of-experts|moe|gpt|claude|gemini|qwen|deepseek|llama|kimi|mistral|"
       "reasoning model|发布|开源|上线|参数|新模型|旗舰|推理模型|版本"),
    _c("agents", "agent|agentic|智能体|代理",
       "agent|agentic|multi-agent|tool use|tool calling|mcp|model context protocol|autonomous|subagent|"
       "智能体|多智能体|工具调用|自主"),
    _c("coding", "developer|tool|coding|code|programming|engineering|builder|devtool|software|"
       "编程|代码|开发|开发者|工具|实践|工程|软件",
       "coding|code|codebase|developer|programming|ide|cli|terminal|repository|pull request|github|copilot|"
       "cursor|windsurf|claude code|codex|sdk|api|vs code|编程|代码|开发者|程序员|终端|仓库|工程师|开发|"
       # a programming language or a developer's tool named is as plain a sign (a dev blog's tutorial
       # says "Ruby" and "class methods", not "coding"; its "method" alone would make it Research)
       "python|javascript|typescript|ruby|rust|golang|kotlin|java|php|c++|c#|node.js|npm|react.js|reactjs|"
       "rails|django|webpack|compiler|debugger|refactoring|unit tests|编程语言|编译器"),
    _c("infrastructure", "infrastructure|infra|compute|chip|hardware|hpc|datacenter|data center|cloud|"
       "算力|基础设施|芯片|硬件|集群|云",
       "gpu|chip|nvidia|amd|tpu|data center|datacenter|cluster|hbm|power|supercomputer|nvlink|rack|"
       "cpu|npu|processor|accelerator|semiconductor|silicon|soc|"
       "芯片|算力|集群|数据中心|英伟达|昇腾|显存|超节点|智算|服务器|国产化"),
    # security and policy are two concepts: a reader who configures "Security" and "Policy" gets two
    # categories that differ, not one keyword list under two names (the first always winning)
    _c("security", "security|safety|privacy|cybersecurity|安全|隐私|网络安全",
       "security|cybersecurity|vulnerability|attack|cyberattack|exploit|malware|ransomware|data breach|"
       "hackers|zero-day|cve|phishing|prompt injection|jailbreak|malicious|privacy|safety|alignment|"
       "安全|漏洞|攻击|注入|隐私|对齐|可信|网络安全|勒索软件|黑客"),
    _c("policy", "policy|regulation|governance|ethic|law|legal|government|politic|治理|政策|监管|伦理|法规|法律",
       "regulation|regulator|regulators|policy|law|lawmakers|legislation|lawsuit|court|copyright|governance|"
       "government|ban|compliance|antitrust|监管|政策|法规|治理|版权|法律|立法|合规|办法"),
    _c("open-source", "open source|open-source|oss|free software|开源",
       "open source|open-source|open weights|open-weight|license|licence|licensing|apache 2.0|mit license|"
       "gpl|agpl|github|repository|fork|maintainers|开源|许可证|开源协议"),
    _c("multimodal", "video|media|multimodal|image|vision|audio|speech|creative|generative media|"
       "视频|多模态|图像|视觉|语音|媒体|音频|创作",
       "video|video generation|text-to-video|image generation|image|multimodal|vision|audio|speech|voice|"
       "music|film|视频|视频生成|图像|多模态|视觉|语音|音频|影视|画面|分镜"),
    _c("robotics", "robot|robotics|embodied|autonomous driving|self-driving|机器人|具身|自动驾驶",
       "robot|robotics|humanoid|embodied|autonomous driving|self-driving|waymo|world model|"
       "机器人|人形机器人|具身|自动驾驶|世界模型|仿真|真机"),
    # "Products" is launches a reader can use, not the business words ("customers", "market") of industry news
    _c("products", "product|launch|feature|app|service|产品|上线|功能",
       "launch|launches|launched|available today|now available|available now|generally available|public beta|beta|"
       "research preview|preview|rolling out|rolls out|pricing|subscribers|subscription|waitlist|app|"
       "product|feature|users|上线|推出|公测|内测|上架|订阅|产品|功能|用户"),
    _c("industry", "industry|business|market|funding|economy|application|company|startup|"
       "行业|产业|商业|应用|市场|投资|融资|经济|公司",
       "funding|raises|valuation|acquisition|acquires|partnership|partnerships|partners with|revenue|market|"
       "investors|startup|enterprise|customers|users|"
       "product|app|industry|economy|gdp|融资|估值|收购|营收|市场|投资|创业|企业|用户|产品|应用|行业|产业|落地|"
       "经济|医疗|交通|商业化"),
    _c("usage", "usage|use|using|tip|how|guide|tutorial|workflow|practice|使用|技巧|教程|用法|实战",
       "how i use|tips|tutorial|guide|workflow|prompt|prompting|best practices|使用|技巧|教程|工作流|提示词|实战"),
    _c("media", "youtube|podcast|interview|episode|播客|访谈|视频号",
       "youtube|podcast|interview|episode|播客|访谈|对话"),
    _c("general", "ai|tech|technology|news|人工智能|科技|技术|资讯",
       "ai|llm|model|人工智能|模型|大模型"),
)
_BY_NAME: dict[str, list[Concept]] = {}
for _concept in CONCEPTS:
    for _name in _concept.names:
        _BY_NAME.setdefault(_name, []).append(_concept)

# The taxonomy used when none is configured (order = tie-break order; "Other" comes last).
DEFAULT_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Models & releases", ("models",)),
    ("Research", ("research",)),
    ("Agents", ("agents",)),
    ("Coding & dev tools", ("coding", "usage")),
    ("Infrastructure & chips", ("infrastructure",)),
    ("Safety & policy", ("security", "policy")),
    ("Multimodal & video", ("multimodal",)),
    ("Robotics", ("robotics",)),
    ("Industry & business", ("industry",)),
)
_SPLIT = re.compile(r"[\s&/,;:|+·、，：（）()\-–—]+|\band\b|\bor\b|[与和及或]")


def _singular(word: str) -> str:
    if word.isascii() and len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-3] + "y" if word.endswith("ies") else word[:-1]
    return word


def name_concepts(name: str) -> tuple[list[Concept], list[str]]:
    """The concepts a category name mentions, and its own words."""
    folded = name.casefold().strip()
    words = [w for w in (_singular(p.strip()) for p in _SPLIT.split(folded)) if w]
    found: list[Concept] = []
    for phrase in [folded, *words]:
        for concept in _BY_NAME.get(phrase, []):
            if concept not in found:
                found.append(concept)
    if not found:
        # a CJK name without separators ("大模型研究"): look for concept names inside it
        for key, concepts in _BY_NAME.items():
            if not key.isascii() and len(key) >= 2 and key in folded:
                found += [c for c in concepts if c not in found]
    specific = [c for c in found if c.key != "general"]
    return (specific or found), words


def keywords_for_name(name: str) -> tuple[str, ...]:
    """The keywords of a category named without any: its own words and its concepts' keywords.

    A name that is itself a concept's name ("Open source") counts as that
    phrase, not word by word: "open" alone is in every other article.
    """
    concepts, words = name_concepts(name)
    folded = name.casefold().strip()
    whole = len(words) > 1 and folded in _BY_NAME
    out = dict.fromkeys([folded] if whole else [w for w in words if len(w) > 1])
    for concept in concepts:
        out.update(dict.fromkeys(concept.keywords))
    return _distinct(out)


def _distinct(keywords) -> tuple[str, ...]:
    """Keywords without spelling variants of one another ("open-source" is "open source"): one mention, one hit."""
    seen: dict[str, str] = {}
    for k in keywords:
        seen.setdefault(re.sub(r"[\s\-]+", " ", k.casefold()).strip(), k)
    return tuple(seen.values())


def default_rules() -> list[tuple[str, tuple[str, ...]]]:
    by_key = {c.key: c for c in CONCEPTS}
    return [(name, _distinct(k for key in keys for k in by_key[key].keywords))
            for name, keys in DEFAULT_CATEGORIES]


def category_rules(categories: Sequence[str],
                   configured: Mapping[str, Sequence[str]]) -> list[tuple[str, tuple[str, ...]]]:
    """(category, keywords) in tie-break order; see the module docstring."""
    default = dict(default_rules())
    if not categories and not configured:
        return list(default.items())
    ordered = [c for c in categories if c != OTHER] + [c for c in configured if c not in categories and c != OTHER]
    return [(c, tuple(configured[c]) if configured.get(c) else default.get(c) or keywords_for_name(c))
            for c in ordered]


# Everyday words name "Multimodal & video" in the default taxonomy (video, image, music, voice,
# film): in a gaming podcast's "video games" or a talk about guitar chords they say nothing about
# AI. There, the category counts only beside a word that does. The same words tell whether one
# everyday word of an article's text is enough for any category (``everyday.py``).
AI_CONTEXT: tuple[str, ...] = (
    "ai", "a.i.", "artificial intelligence", "machine learning", "deep learning", "neural", "neural network",
    "llm", "llms", "model", "models", "generative", "genai", "gen ai", "diffusion", "transformer", "gpt",
    "openai", "deepmind", "anthropic", "gemini", "claude", "chatgpt", "llama", "mistral", "qwen", "deepseek",
    "kimi", "copilot", "agentic", "ai agent", "ai agents", "language model", "language models", "midjourney",
    "stable diffusion", "sora", "veo", "runway", "pika",
    "multimodal", "text-to-video", "text-to-image", "text-to-speech", "image generation", "video generation",
    "vision-language", "computer vision", "人工智能", "模型", "大模型", "多模态", "生成", "算法", "aigc",
    "文生图", "文生视频", "智能体")
_NEEDS_CONTEXT = frozenset({"Multimodal & video"})
# Keywords that count only in a title (or the feed's categories): what a research lab's post is about
# when its title says it ("Riemann-bench: A Benchmark for Moonshot Mathematics" has none of the other
# words), and what a body says of everything: a phone review's "benchmarks", a podcast's "evaluation".
# As body words too they filed 24 of 4,710 corpus articles as Research (7 as title words), most of the
# other 17 wrongly: an iPad review, a podcast, a Ruby serialiser comparison.
HEADLINE_ONLY = frozenset({"benchmark", "benchmarks", "evaluation", "evaluations", "evals", "interpretability",
                           "hallucination", "hallucinations", "评测", "可解释性", "幻觉",
                           # a deal a company's news is about ("Anthropic partners with BCG"), which a
                           # podcast's or a gallery's text mentions in passing
                           "acquires", "partnership", "partnerships", "partners with"})


def category_contexts(categories: Sequence[str], configured: Mapping[str, Sequence[str]]) -> frozenset[str]:
    """The categories of the default taxonomy, as ``category_rules`` gives them, whose keywords count
    only beside a word about AI (``AI_CONTEXT``); a category the reader gave keywords keeps its own."""
    return frozenset(c for c, _ in category_rules(categories, configured)
                     if c in _NEEDS_CONTEXT and not configured.get(c))


def category_order(categories: Sequence[str]) -> list[str]:
    """The order digests list categories in: as configured (or the default taxonomy), Other last."""
    names = list(categories) if categories else [n for n, _ in DEFAULT_CATEGORIES]
    return [n for n in names if n != OTHER] + [OTHER]
