"""Key phrases for offline tags: a small bilingual lexicon of what AI/tech articles are about.

Contract (pure): ``KEY_PHRASES`` maps a tag (already in its folded form, see
``tags.fold_tag``) to the phrases that show it in an article, English and
Chinese. ``key_phrases(matcher_hits)`` lists the tags whose phrases were
found, title hits first. The heuristic scorer adds them to the feed's own
``<category>`` elements and the matched interests, so a note gets a few
telling tags even when no ``interests`` are configured.
"""

from __future__ import annotations

KEY_PHRASES: dict[str, tuple[str, ...]] = {
    "coding-agent": ("coding agent", "coding agents", "claude code", "codex cli", "gemini cli", "copilot coding agent",
                     "编程智能体", "编程助手", "ai 编程", "ai编程"),
    "agent": ("agent", "agents", "agentic", "智能体", "multi-agent", "多智能体"),
    "mcp": ("mcp", "model context protocol"),
    "open-weights": ("open weights", "open weight", "open-weight", "open-source model", "开源模型"),
    "open-source": ("open source", "open-source", "开源"),
    "reasoning": ("reasoning model", "thinking mode", "chain of thought", "推理模型", "思考模式"),
    "mixture-of-experts": ("mixture-of-experts", "mixture of experts", "moe"),
    "llm-training": ("pretraining", "pre-training", "optimizer", "optimizers", "预训练", "优化器", "llm training"),
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
    "funding": ("funding", "raises", "valuation", "融资", "估值"),
    "policy": ("regulation", "policy", "监管", "政策"),
    "digital-twin": ("digital twin", "数字孪生"),
    "speech": ("speech", "voice", "语音"),
}
