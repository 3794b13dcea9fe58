"""A generated data set of buyer-seller dialogues with a learnable label, for the text examples.

Each row is an order: a dialogue of `[bom] ... [eom]` messages between buyer and seller (HTML
markup, entities, emoji, English, German, French, Spanish, Russian, Greek and Chinese text), a
shorter seller note (the trimodal model's second text) and tabular fields. The label (1 = the
order is refunded) depends on what the buyer says (complaints about damage, missing parcels or
refunds, in any of the languages) and on the tabular fields, so a small text model can learn it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMERIC = ["order_amount", "days_since_order", "seller_rating"]
CATEGORICAL = ["payment_method"]
PAYMENT_EFFECT = {"card": 0.0, "paypal": -0.3, "voucher": 0.6, "bank": 0.2}

COMPLAINTS = [
    "The item arrived broken and I want a refund.", "My parcel never arrived, please refund me.",
    "The package was damaged, this is unacceptable!", "Wrong size and the seller ignores me.",
    "Die Ware ist kaputt angekommen, ich möchte mein Geld zurück.",
    "Le colis est arrivé abîmé, je veux être remboursé.", "El paquete llegó roto, quiero un reembolso.",
    "Посылка пришла повреждённой, верните деньги.", "Το δέμα ήρθε σπασμένο, θέλω επιστροφή χρημάτων.",
    "包裹坏了，我要退款。", "Still no tracking update after three weeks, refund please.",
]
NEUTRAL = [
    "Hello, when will my order ship?", "Thanks, the jacket fits perfectly!", "Can you send it gift wrapped?",
    "Guten Tag, wann wird meine Bestellung versendet?", "Bonjour, merci pour la livraison rapide.",
    "Hola, ¿tienen este modelo en azul?", "Здравствуйте, всё пришло, спасибо.", "Ευχαριστώ πολύ, όλα καλά.",
    "你好，什么时候发货？", "Great quality, I will order again.", "Is the price including shipping?",
]
SELLER = [
    "Thank you for your message, we are checking with the carrier.", "Your order shipped today.",
    "We are sorry for the inconvenience, a replacement is on its way.", "Please send a photo of the item.",
    "Vielen Dank für Ihre Nachricht.", "Merci, nous regardons cela tout de suite.",
    "Gracias por su compra.", "Спасибо за заказ!", "感谢您的购买。",
]
NOTES_RISKY = ["customer asked for refund twice", "carrier lost parcel", "photo shows damage"]
NOTES_CALM = ["regular customer", "shipped on time", "gift order", "no issues reported"]
HTML_WRAPS = ["<p>{}</p>", "<div><b>{}</b></div>", "{}<br/>", "<span style=\"color:red\">{}</span>&nbsp;",
              "{} &amp; thanks", "<ul><li>{}</li></ul>", "{}<!-- internal -->", "{}"]
EMOJI = ["😀", "👍🏽", "📦", "🙏", "😡", "⭐"]
FILLER = "please kindly check my order details and reply as soon as possible thank you".split()


def _message(rng: np.random.Generator, pool: list[str]) -> str:
    text = str(rng.choice(pool))
    if rng.random() < 0.3:
        text += " " + " ".join(rng.choice(FILLER, rng.integers(3, 25)))
    if rng.random() < 0.5:
        text = str(rng.choice(HTML_WRAPS)).replace("{}", text)
    if rng.random() < 0.3:
        text += " " + str(rng.choice(EMOJI))
    return text


def _dialogue(rng: np.random.Generator, complaint: bool) -> str:
    messages = []
    for turn in range(int(rng.integers(1, 9))):
        if turn % 2:
            messages.append(_message(rng, SELLER))
        else:
            messages.append(_message(rng, COMPLAINTS if complaint and rng.random() < 0.7 else NEUTRAL))
    return "".join(f"[bom] {m} [eom]" for m in messages)


def make_orders(rows: int, seed: int = 0) -> pd.DataFrame:
    """`rows` orders with dialogue, seller_note, tabular fields and a binary label."""
    rng = np.random.default_rng(seed)
    complaint = rng.random(rows) < 0.4
    df = pd.DataFrame({
        "order_id": [f"O{seed:02d}-{i:06d}" for i in range(rows)],
        "dialogue": [_dialogue(rng, c) for c in complaint],
        "seller_note": ["[bom] " + str(rng.choice(NOTES_RISKY if c and rng.random() < 0.6 else NOTES_CALM))
                        + " [eom]" for c in complaint],
        "order_amount": np.round(rng.lognormal(3.5, 0.8, rows), 2),
        "days_since_order": rng.integers(0, 60, rows).astype(float),
        "seller_rating": np.round(rng.uniform(2.5, 5.0, rows), 1),
        "payment_method": rng.choice(list(PAYMENT_EFFECT), rows),
    })
    latent = (2.5 * complaint - 1.5 + 0.02 * df["days_since_order"] - 0.5 * (df["seller_rating"] - 3.75)
              + df["payment_method"].map(PAYMENT_EFFECT) + rng.normal(0, 0.5, rows))
    df["label"] = (latent > 0).astype(int)
    df.loc[rng.random(rows) < 0.03, "dialogue"] = np.nan  # missing text: the seed's str() gives "nan"
    df.loc[rng.random(rows) < 0.05, "order_amount"] = np.nan
    return df


def hyperparameters(kind: str = "bimodal") -> dict:
    """Seed-style hyperparameters.json for the example models: kind is "text" (dialogue only),
    "bimodal" (dialogue + tabular) or "trimodal" (dialogue, seller note and tabular)."""
    tabular = [] if kind == "text" else [*NUMERIC, *CATEGORICAL]
    hp = {
        "id_name": "order_id",
        "label_name": "label",
        "tab_field_list": tabular,
        "is_binary": True,
        "num_classes": 2,
        "multiclass_categories": [0, 1],
        "batch_size": 16,
        "eval_batch_size_multiplier": 2.0,
        "max_sen_len": 32,
        "chunk_trancate": True,
        "max_total_chunks": 4,
        "text_input_ids_key": "input_ids",
        "text_attention_mask_key": "attention_mask",
        "hidden_common_dim": 32,
        "bert_hidden": 64,
        "bert_layers": 2,
        "bert_heads": 2,
        "lr": 0.003,
        "max_epochs": 3,
        "model_class": "trimodal_bert" if kind == "trimodal" else "bimodal_bert",
    }
    if kind == "trimodal":
        hp.update(primary_text_name="dialogue", secondary_text_name="seller_note",
                  primary_text_processing_steps=None,  # null: the seed's defaults
                  secondary_text_processing_steps=None)
        texts = ["dialogue", "seller_note"]
    else:
        hp.update(text_name="dialogue", text_processing_steps=[
            "dialogue_splitter", "html_normalizer", "emoji_remover", "text_normalizer",
            "dialogue_chunker", "tokenizer"])
        texts = ["dialogue"]
    hp["cat_field_list"] = texts + list(CATEGORICAL if tabular else [])
    hp["full_field_list"] = ["order_id", *texts, *tabular, "label"]
    return hp
