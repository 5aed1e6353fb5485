"""Key phrases for offline tags: a small bilingual lexicon of what AI/tech articles are about.

Contract (pure): ``KEY_PHRASES`` maps a tag (already in its folded form, see
``tags.fold_tag``) to the phrases that show it in an article, English and
Chinese. ``key_phrases(matcher_hits)`` lists the tags whose phrases were
found, title hits first. The heuristic scorer adds them to the feed's own
``<category>`` elements and the matched interests, so a note gets a few
telling tags even when no ``interests`` are configured. ``topic_matcher()``
is those phrases as one ``text.TermMatcher``, with each phrase's tag: the
scorer and the trend namer find topics with the same matcher.

``NAMES`` maps a tag to the names of the labs, companies, models and products
AI/tech news is about, as they are written: a reader browses "everything on
Gemini" by its tag. A name counts only as written (case and whole word:
"Meta", not "meta-analysis" or "Meta-learning"); those in ``AMBIGUOUS_NAMES``
are also everyday words or other things ("Apple", "Amazon", "Cursor",
"Windsurf") and count only in an article that is about technology.
"""

from __future__ import annotations

from functools import lru_cache

from .text import TermMatcher

KEY_PHRASES: dict[str, tuple[str, ...]] = {
    "coding-agent": ("coding agent", "coding agents", "claude code", "codex cli", "gemini cli", "copilot coding agent",
                     "编程智能体", "编程助手", "ai 编程", "ai编程"),
    "agent": ("agent", "agents", "agentic", "智能体", "multi-agent", "多智能体"),
    "mcp": ("mcp", "model context protocol"),
    "open-weight": ("open weights", "open weight", "open-weight", "open-source model", "开源模型"),
    "open-source": ("open source", "open-source", "开源"),
    "reasoning": ("reasoning model", "thinking mode", "chain of thought", "推理模型", "思考模式"),
    "moe": ("mixture-of-experts", "mixture of experts", "moe"),
    "llm-training": ("pretraining", "pre-training", "optimizer", "optimizers", "预训练", "优化器", "llm training",
                     "llm训练", "llm优化", "训练效率"),
    "reinforcement-learning": ("reinforcement learning", "rlhf", "强化学习"),
    "long-context": ("long context", "long-context", "长上下文", "长文本", "million token"),
    "kv-cache": ("kv cache", "kv-cache", "kv压缩"),
    "sparse-attention": ("sparse attention", "稀疏注意力", "block attention"),
    "inference": ("inference", "推理加速", "decoding"),
    "rag": ("rag", "retrieval-augmented", "retrieval augmented"),
    "prompt-injection": ("prompt injection", "提示注入", "tool poisoning"),
    "security": ("security", "vulnerability", "exploit", "安全漏洞", "漏洞"),
    "gpu": ("gpu", "gpus", "nvidia", "英伟达", "blackwell", "hopper"),
    "chip": ("chip", "chips", "芯片", "昇腾", "tpu"),
    "data-center": ("data center", "data centers", "datacenter", "数据中心", "智算中心", "超节点"),
    "video-generation": ("video generation", "video model", "text-to-video", "视频生成", "生成视频"),
    "multimodal": ("multimodal", "多模态", "vision-language", "vlm"),
    "world-model": ("world model", "world models", "世界模型"),
    "robotics": ("robot", "robots", "robotics", "humanoid", "机器人", "具身"),
    "autonomous-driving": ("autonomous driving", "self-driving", "waymo", "自动驾驶"),
    "benchmark": ("benchmark", "benchmarks", "leaderboard", "基准", "榜单"),
    "funding": ("funding round", "raises", "valuation", "融资", "估值"),
    "regulation": ("regulation", "regulators", "ai act", "监管", "政策法规"),
    "digital-twin": ("digital twin", "数字孪生"),
    "speech": ("speech", "voice", "语音"),
    # the languages and platforms a developer's post is about (a tutorial that names none of the
    # topics above had no tag at all); "Go" alone is an English word: its other names only
    "python": ("python",),
    "rust": ("rust", "rustlang", "rustc"),
    "javascript": ("javascript", "node.js", "nodejs"),
    "typescript": ("typescript",),
    "golang": ("golang", "go 1", "go modules", "go generics", "go 语言"),
    "webassembly": ("webassembly", "wasm"),
    "kubernetes": ("kubernetes", "k8s"),
    "linux": ("linux",),
    "ruby": ("ruby", "ruby on rails"),
    "java": ("java", "jvm", "openjdk"),
    "kotlin": ("kotlin",),
    "php": ("php",),
    "database": ("database", "databases", "postgres", "postgresql", "sqlite", "mysql", "数据库"),
}


NAMES: dict[str, tuple[str, ...]] = {
    "openai": ("OpenAI",),
    "chatgpt": ("ChatGPT",),
    "gpt": ("GPT",),                 # GPT-4o, GPT-5.1: a hyphen and a digit go on with the name
    "sora": ("Sora",),
    "anthropic": ("Anthropic",),
    "claude": ("Claude",),
    "google": ("Google", "谷歌"),
    "deepmind": ("DeepMind", "Google DeepMind"),
    "gemini": ("Gemini",),
    "gemma": ("Gemma",),
    "meta": ("Meta", "Meta AI"),
    "llama": ("Llama", "LLaMA"),
    "microsoft": ("Microsoft", "微软"),
    "copilot": ("Copilot",),
    "github": ("GitHub",),
    "nvidia": ("NVIDIA", "Nvidia", "英伟达"),
    "amd": ("AMD",),
    "intel": ("Intel", "英特尔"),
    "apple": ("Apple",),
    "amazon": ("Amazon", "亚马逊"),
    "aws": ("AWS", "Amazon Web Services"),
    "xai": ("xAI",),
    "grok": ("Grok",),
    "mistral": ("Mistral", "Mistral AI"),
    "deepseek": ("DeepSeek", "深度求索"),
    "qwen": ("Qwen", "通义千问", "千问"),
    "alibaba": ("Alibaba", "阿里巴巴", "阿里云"),
    "bytedance": ("ByteDance", "字节跳动"),
    "doubao": ("Doubao", "豆包"),
    "tencent": ("Tencent", "腾讯"),
    "baidu": ("Baidu", "百度"),
    "ernie": ("ERNIE", "文心一言", "文心大模型"),
    "huawei": ("Huawei", "华为"),
    "kimi": ("Kimi",),
    "moonshot-ai": ("Moonshot AI", "月之暗面"),
    "zhipu": ("Zhipu", "智谱"),
    "minimax": ("MiniMax",),
    "hugging-face": ("Hugging Face", "HuggingFace"),
    "perplexity": ("Perplexity",),
    "cohere": ("Cohere",),
    "cursor": ("Cursor",),
    "windsurf": ("Windsurf",),
    "ollama": ("Ollama",),
    "midjourney": ("Midjourney",),
    "stability-ai": ("Stability AI", "Stable Diffusion"),
    "langchain": ("LangChain",),
    "pytorch": ("PyTorch",),
    "openclaw": ("OpenClaw",),
    "tesla": ("Tesla", "特斯拉"),
    "samsung": ("Samsung", "三星"),
    "tsmc": ("TSMC", "台积电"),
    "xiaomi": ("Xiaomi", "小米"),
    "unitree": ("Unitree", "宇树"),
}
# names that are also everyday words, places, people or other things: a tag only in an article about
# technology (a recipe's "Apple Pie", the Amazon's rainforest, Claude Monet, a windsurfing race)
AMBIGUOUS_NAMES = frozenset({"apple", "amazon", "meta", "claude", "gemini", "sora", "llama", "mistral", "grok",
                             "cursor", "windsurf", "perplexity", "cohere", "kimi", "copilot", "intel", "tesla",
                             "xiaomi", "samsung", "huawei", "gemma"})
# words that say an article is about technology, beside ``scoring.taxonomy.AI_CONTEXT`` (casefolded)
TECH_CONTEXT: tuple[str, ...] = (
    "software", "app", "apps", "developer", "developers", "api", "apis", "cloud", "startup", "chip", "chips",
    "smartphone", "iphone", "ipad", "ios", "android", "macos", "operating system", "browser", "programming",
    "open source", "open-source", "gpu", "gpus", "robot", "robotics", "autopilot", "electric vehicle", "ev",
    "processor", "semiconductor", "data center", "silicon", "launches", "announces", "unveils", "软件", "芯片",
    "手机", "开发者", "代码", "科技")


# How a person names a week's trend when most of its articles carry the tag (English, Chinese).
TOPIC_LABELS: dict[str, tuple[str, str]] = {
    "coding-agent": ("Coding agents", "编程智能体"),
    "agent": ("AI agents", "智能体"),
    "mcp": ("Model Context Protocol (MCP)", "MCP 协议"),
    "open-weight": ("Open-weight models", "开源模型"),
    "open-source": ("Open-source releases", "开源发布"),
    "reasoning": ("Reasoning models", "推理模型"),
    "moe": ("Mixture-of-experts models", "MoE 模型"),
    "llm-training": ("LLM training", "大模型训练"),
    "reinforcement-learning": ("Reinforcement learning", "强化学习"),
    "long-context": ("Long context", "长上下文"),
    "kv-cache": ("KV cache", "KV 缓存"),
    "sparse-attention": ("Sparse attention", "稀疏注意力"),
    "inference": ("Inference efficiency", "推理效率"),
    "rag": ("Retrieval-augmented generation", "检索增强生成"),
    "prompt-injection": ("Prompt injection", "提示注入"),
    "security": ("Security", "安全"),          # a feed's vulnerabilities and breaches: not only AI's
    "gpu": ("GPUs", "GPU"),
    "chip": ("AI chips", "AI 芯片"),
    "data-center": ("AI data centers", "智算中心"),
    "video-generation": ("Video generation", "视频生成"),
    "multimodal": ("Multimodal models", "多模态模型"),
    "world-model": ("World models", "世界模型"),
    "robotics": ("Robotics", "机器人"),
    "autonomous-driving": ("Autonomous driving", "自动驾驶"),
    "benchmark": ("Benchmarks", "评测基准"),
    "funding": ("Funding and valuations", "融资与估值"),
    "regulation": ("AI regulation", "AI 监管"),
    "digital-twin": ("Digital twins", "数字孪生"),
    "speech": ("Speech and voice", "语音"),
    "python": ("Python", "Python"),
    "rust": ("Rust", "Rust"),
    "javascript": ("JavaScript", "JavaScript"),
    "typescript": ("TypeScript", "TypeScript"),
    "golang": ("Go", "Go 语言"),
    "webassembly": ("WebAssembly", "WebAssembly"),
    "kubernetes": ("Kubernetes", "Kubernetes"),
    "linux": ("Linux", "Linux"),
    "ruby": ("Ruby", "Ruby"),
    "java": ("Java", "Java"),
    "kotlin": ("Kotlin", "Kotlin"),
    "php": ("PHP", "PHP"),
    "database": ("Databases", "数据库"),
}
# Tags too broad to name a trend alone (they still join one: "Coding agents and MCP").
BROAD_TAGS = frozenset({"agent", "open-source", "benchmark", "multimodal", "inference", "security"})


@lru_cache(maxsize=1)
def topic_matcher() -> tuple[TermMatcher, dict[str, str]]:
    """The key phrases as one ``text.TermMatcher`` and the topic each stands for: what the scorer
    tags an article's title and summary with, and what a trend's titles are read for."""
    owner = {phrase: tag for tag, phrases in KEY_PHRASES.items() for phrase in phrases}
    return TermMatcher(list(owner)), owner
