"""Fixed report strings in English and French, and locale-aware formatting.

Everything a renderer prints that does not come from the assessment lives here: section titles,
labels, verdict and severity words, DPV data-category labels, country names and dates. The
verdict WORD (``unlawful``, ``no-transfer`` ...) stays visible in every language because users
script against it: French labels read ``illicite (unlawful)``-style as ``unlawful (illicite)``.

``lang`` is ``"en"`` or ``"fr"``; anything else raises ``ValueError``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from functools import lru_cache

from ..models import Severity, Verdict

LANGUAGES: tuple[str, ...] = ("en", "fr")

DPV_PD = "https://w3id.org/dpv/pd#"
COLON = {"en": ":", "fr": "\u00a0:"}
TO_COMPLETE = "to_complete"


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is supported, else raise ``ValueError``."""
    if lang not in LANGUAGES:
        raise ValueError(
            f"unsupported report language {lang!r}; choose one of {', '.join(LANGUAGES)}"
        )
    return lang


# --- fixed strings ------------------------------------------------------------------------

_STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Record of international transfers observed (GDPR Art. 30 / Chapter V)",
        "short_title": "Record of international transfers observed",
        "kicker": "GDPR · Art. 30 · Chapter V · Schrems II",
        "subtitle": "Evidence generated from observed browser traffic",
        "to_complete": "to be completed by the controller",
        "none": "none",
        "none_fem": "none",
        "not_recorded": "not recorded",
        "yes": "yes",
        "no": "no",
        "footer": "{generator} · as of {date}",
        "page": "Page",
        "page_of": "of",
        # cover
        "cover_controller": "Controller",
        "cover_first_party": "First-party domains",
        "cover_inputs": "Inputs",
        "cover_as_of": "As-of date",
        "cover_basis": "basis",
        "basis_capture": "capture date",
        "basis_option": "set by option",
        "cover_scenario": "Scenario",
        "cover_doctrine": "Doctrine",
        "cover_generator": "Generator",
        "cover_recipients": "Recipients observed",
        "cover_note": (
            "This document records what a browser was observed sending to third parties. It is "
            "evidence for a record of processing activities (GDPR Art. 30) and for the assessment "
            "of international transfers (GDPR Chapter V). Items that observation cannot establish "
            "are marked “to be completed by the controller”."
        ),
        "input_path": "Path",
        "input_format": "Format",
        "input_producer": "Producer",
        "input_entries": "Entries",
        "input_first_seen": "First seen",
        "input_last_seen": "Last seen",
        "input_sha256": "SHA-256",
        "input_pages": "Pages",
        # sections
        "sec_summary": "Summary",
        "sec_map": "Data-flow map",
        "sec_art30": "Article 30(1) record",
        "sec_findings": "Findings per recipient",
        "sec_method": "Method and limits",
        "sec_integrity": "Integrity annex",
        "sec_skipped": "Skipped entries",
        # issue 15: attribution of the site's own host names
        "sec_attribution": "Annex: the site's own host names",
        "attr_cloaked_intro": "Hosts under the site's own domains that the evidence attributes to a vendor (the site points them at the vendor, e.g. by DNS CNAME). They are reported under the vendor, not as the site.",
        "attr_probable_intro": "Domains that are probably the site's own (its CDNs, sister domains). They stay listed as recipients, with the reasons below, until the user settles them: --first-party DOMAIN makes a domain first party; nothing is dropped on a guess.",
        "attr_host": "Host",
        "attr_vendor": "Attributed to",
        "attr_signal": "Evidence",
        "attr_domain": "Domain",
        "attr_reasons": "Why probably the site's own",
        "find_cloaked": "Cloaked under the site's name",
        "find_probable": "Probably the site's own",
        "attr_settle": "to settle: --first-party {domains}",
        "sec_contents": "Contents",
        # summary
        "sum_by_verdict": "Recipients by verdict",
        "sum_verdict": "Verdict",
        "sum_count": "Recipients",
        "sum_meaning": "Meaning",
        "sum_total": "Total",
        "sum_special": "Special-category data (GDPR Art. 9)",
        "sum_special_none": "No special-category data was observed.",
        "sum_special_intro": "The following recipients receive data revealing special categories:",
        "sum_countries": "Countries where data are received",
        "sum_controlled": "Countries the recipients are controlled from",
        "sum_controlled_note": "Ultimate parents' countries (and where a source says a parent is run from): exposure to that country's law, not a place the data are received.",
        "sum_controlled_count": "Recipients controlled from there",
        "sum_country": "Country",
        "sum_status": "Status",
        "sum_worst": "Most severe verdict of the transfers received there",
        "sum_countries_none": "No country could be established.",
        "sum_top_findings": "Most severe findings",
        "sum_top_none": "No findings.",
        "sum_recipient": "Recipient",
        "sum_finding": "Finding",
        "eea": "EU/EEA",
        "third_country": "third country",
        "unknown_country": "unknown",
        # map
        "map_intro": (
            "Left: categories of personal data observed in requests. Middle: the organisations "
            "receiving them, grouped by parent company, with their verdict. Right: the "
            "jurisdictions they are established in, controlled from, or process data in."
        ),
        "map_part": "part {i} of {n}",
        "map_col_data": "Personal data",
        "map_col_recipients": "Recipients",
        "map_col_jurisdictions": "Jurisdictions",
        "map_legend": "Legend",
        "map_data_edge": "data category sent",
        "map_special_edge": "special category (Art. 9)",
        "map_unknown_jurisdiction": "Unknown jurisdiction",
        "map_unidentified": "unidentified",
        "map_parent": "Parent",
        "map_reason_establishment": "established in {country}",
        "map_reason_parent": "parent company in {country}",
        "map_reason_destination": "data processed in {country}",
        "map_reason_unknown": "no jurisdiction established",
        "map_requests": "{n} requests",
        "map_after_refusal": "reached after refusal",  # issue #16
        # art 30
        "art30_intro": (
            "Entries of the record of processing activities that observation supports. Columns "
            "marked “to be completed by the controller” require information only the controller "
            "holds; the purpose column is a hint derived from the kind of service, not a finding."
        ),
        "art30_a": "(a) Controller",
        "art30_b": "(b) Purposes of the processing",
        "art30_c_subjects": "(c) Categories of data subjects",
        "art30_f": "(f) Time limits for erasure",
        "art30_g": "(g) Technical and organisational security measures",
        "art30_col_d": "(d) Recipient",
        "art30_col_c": "(c) Categories of personal data",
        "art30_col_e": "(e) Transfer to a third country",
        "art30_col_b": "(b) Purpose (hint)",
        "art30_col_f": "(f) Erasure",
        "art30_subjects_hint": "visitors whose browser sent the observed requests",
        "art30_b_hint": "the (b) column below is a hint from the kind of service, not a purpose",
        "art30_parent": "parent",
        "art30_hosts": "hosts",
        "art30_destinations": "destinations",
        "art30_no_destination": "no destination established",
        "art30_safeguards": "documentation of safeguards: to be completed by the controller",
        "art30_service": "service",
        # findings
        "find_recipient_meta_hosts": "Hosts",
        "find_requests": "Requests",
        "find_category": "Service category",
        "find_services": "Services",
        "find_servers": "Server addresses",
        "find_server_countries": "Server countries (indicative)",
        "find_data": "Personal data received",
        "find_rule": "Rule",
        "find_severity": "Severity",
        "find_citations": "Legal references",
        "find_evidence": "Evidence",
        "find_input": "Input",
        "find_entry": "Entry",
        "find_field": "Field",
        "find_excerpt": "Excerpt",
        "find_more": "and {n} more",
        "find_none": "No findings for this recipient.",
        "find_decides": "decides the verdict",
        "find_flows": "{n} flows",
        "find_chain": "Chain of control",
        "find_facts": "Registration and network facts",
        "find_compact_intro": (
            "{n} recipients: findings are grouped by rule, then one row per recipient. The "
            "explanation shown is the first recipient's; each recipient's own explanation, "
            "reasoning and evidence are in the JSON report."
        ),
        "find_example": "Example ({name})",
        "find_shared": "Same identifier also sent to",
        "find_steps": "Reasoning",
        "step_fact": "fact",
        "step_law": "law",
        "step_rule": "rule",
        "step_conclusion": "conclusion",
        "secrets_kept": (
            "Warning: this report was produced with --keep-secrets. Values were NOT redacted; "
            "it may contain cookies, tokens and other secrets. Do not share it."
        ),
        # method
        "method_p1": (
            "This record is built from captured browser traffic. A capture shows which requests "
            "the browser sent, to which hosts, carrying which data, while the capture ran. It "
            "cannot show flows between servers: server-side forwarding, back-end sharing, "
            "sub-processors and what recipients do with the data once received are invisible "
            "to it."
        ),
        "method_p2": (
            "A capture does not establish the consent state. Whether a consent banner was shown "
            "or answered, and how, must be established separately; a request shows what was "
            "sent, not its legal basis."
        ),
        "method_p3": (
            "Recipients are attributed with the bundled knowledge base of organisations "
            "({n} organisations): a host identifies a service, its operator and the operator's "
            "parent companies. The attribution is only as good as that knowledge base at the "
            "as-of date; its SHA-256 is given below and in the integrity annex."
        ),
        "method_p4": (
            "Server locations (IP geolocation, declared processing locations) are indicative "
            "only: anycast and CDN networks answer from many places, and legal exposure to "
            "third-country law follows the entity that controls the data, not the server."
        ),
        "method_p5": (
            "What cannot be established is reported as unknown, never guessed. Verdicts are "
            "the output of the rules listed below applied to these observations; they are "
            "evidence for an assessment, not a legal decision."
        ),
        "method_kb": "Knowledge base",
        "method_kb_sha": "Knowledge base SHA-256",
        "method_rules": "Rules applied",
        "method_orgs": "{n} organisations",
        # integrity
        "int_intro": (
            "Recompute a file's digest with “sha256sum FILE” and compare. Running the command "
            "below on the same inputs with the same version reproduces this report."
        ),
        "int_inputs": "Inputs",
        "int_kb": "Knowledge base (organisations)",
        "int_ontology": "Ontology and rules",
        "int_command": "Command to reproduce",
        "int_command_none": "not recorded",
        "int_schema": "Assessment schema version",
        "int_generator": "Generator",
        # skipped
        "skip_intro": "{n} capture entries were not analysed:",
        "skip_input": "Input",
        "skip_entry": "Entry",
        "skip_reason": "Reason",
        "skip_more": "and {n} more skipped entries",
    },
    "fr": {
        "title": "Registre des transferts internationaux observés (RGPD art. 30 / chapitre V)",
        "short_title": "Registre des transferts internationaux observés",
        "kicker": "RGPD · art. 30 · chapitre V · Schrems II",
        "subtitle": "Éléments de preuve issus du trafic de navigateur observé",
        "to_complete": "à compléter par le responsable du traitement",
        "none": "aucun",
        "none_fem": "aucune",
        "not_recorded": "non enregistré",
        "yes": "oui",
        "no": "non",
        "footer": "{generator} · à la date du {date}",
        "page": "Page",
        "page_of": "sur",
        "cover_controller": "Responsable du traitement",
        "cover_first_party": "Domaines propres (first-party)",
        "cover_inputs": "Fichiers d'entrée",
        "cover_as_of": "Date de référence",
        "cover_basis": "fondement",
        "basis_capture": "date de la capture",
        "basis_option": "fixée par option",
        "cover_scenario": "Scénario",
        "cover_doctrine": "Doctrine",
        "cover_generator": "Générateur",
        "cover_recipients": "Destinataires observés",
        "cover_note": (
            "Ce document consigne ce qu'un navigateur a été observé envoyer à des tiers. Il "
            "constitue un élément de preuve pour le registre des activités de traitement "
            "(RGPD art. 30) et pour l'évaluation des transferts internationaux (RGPD "
            "chapitre V). Les éléments que l'observation ne permet pas d'établir sont marqués "
            "« à compléter par le responsable du traitement »."
        ),
        "input_path": "Chemin",
        "input_format": "Format",
        "input_producer": "Producteur",
        "input_entries": "Entrées",
        "input_first_seen": "Première observation",
        "input_last_seen": "Dernière observation",
        "input_sha256": "SHA-256",
        "input_pages": "Pages",
        "sec_summary": "Synthèse",
        "sec_map": "Cartographie des flux de données",
        "sec_art30": "Registre, article 30, paragraphe 1",
        "sec_findings": "Constats par destinataire",
        "sec_method": "Méthode et limites",
        "sec_integrity": "Annexe d'intégrité",
        "sec_skipped": "Entrées ignorées",
        "sec_attribution": "Annexe : noms d'hôte du site lui-même",
        "attr_cloaked_intro": "Hôtes sous les domaines du site que les éléments observés attribuent à un prestataire (le site les fait pointer vers lui, par exemple par un CNAME DNS). Ils sont rapportés sous le prestataire, non comme le site.",
        "attr_probable_intro": "Domaines qui sont probablement ceux du site (ses CDN, ses domaines associés). Ils restent listés comme destinataires, avec les raisons ci-dessous, tant que l'utilisateur ne tranche pas : --first-party DOMAINE en fait un domaine propre ; rien n'est écarté sur une supposition.",
        "attr_host": "Hôte",
        "attr_vendor": "Attribué à",
        "attr_signal": "Éléments",
        "attr_domain": "Domaine",
        "attr_reasons": "Pourquoi probablement le site",
        "find_cloaked": "Masqué sous le nom du site",
        "find_probable": "Probablement le site lui-même",
        "attr_settle": "pour trancher : --first-party {domains}",
        "sec_contents": "Sommaire",
        "sum_by_verdict": "Destinataires par verdict",
        "sum_verdict": "Verdict",
        "sum_count": "Destinataires",
        "sum_meaning": "Signification",
        "sum_total": "Total",
        "sum_special": "Catégories particulières de données (RGPD art. 9)",
        "sum_special_none": "Aucune donnée d'une catégorie particulière n'a été observée.",
        "sum_special_intro": (
            "Les destinataires suivants reçoivent des données révélant des catégories "
            "particulières :"
        ),
        "sum_countries": "Pays où les données sont reçues",
        "sum_controlled": "Pays depuis lesquels les destinataires sont contrôlés",
        "sum_controlled_note": "Pays des sociétés mères ultimes (et pays d'où une source dit qu'elles sont dirigées) : exposition au droit de ce pays, non un lieu de réception des données.",
        "sum_controlled_count": "Destinataires contrôlés depuis ce pays",
        "sum_country": "Pays",
        "sum_status": "Statut",
        "sum_worst": "Verdict le plus grave des transferts reçus dans ce pays",
        "sum_countries_none": "Aucun pays n'a pu être établi.",
        "sum_top_findings": "Constats les plus graves",
        "sum_top_none": "Aucun constat.",
        "sum_recipient": "Destinataire",
        "sum_finding": "Constat",
        "eea": "UE/EEE",
        "third_country": "pays tiers",
        "unknown_country": "inconnu",
        "map_intro": (
            "À gauche : les catégories de données personnelles observées dans les requêtes. Au "
            "centre : les organismes qui les reçoivent, regroupés par société mère, avec leur "
            "verdict. À droite : les juridictions où ils sont établis, dont ils dépendent ou "
            "où ils traitent les données."
        ),
        "map_part": "partie {i} sur {n}",
        "map_col_data": "Données personnelles",
        "map_col_recipients": "Destinataires",
        "map_col_jurisdictions": "Juridictions",
        "map_legend": "Légende",
        "map_data_edge": "catégorie de données envoyée",
        "map_special_edge": "catégorie particulière (art. 9)",
        "map_unknown_jurisdiction": "Juridiction inconnue",
        "map_unidentified": "non identifié",
        "map_parent": "Société mère",
        "map_reason_establishment": "établissement : {country}",
        "map_reason_parent": "société mère : {country}",
        "map_reason_destination": "données traitées : {country}",
        "map_reason_unknown": "aucune juridiction établie",
        "map_requests": "{n} requêtes",
        "map_after_refusal": "atteint après refus",  # issue #16
        "art30_intro": (
            "Mentions du registre des activités de traitement que l'observation permet "
            "d'étayer. Les colonnes marquées « à compléter par le responsable du traitement » "
            "exigent des informations que seul le responsable détient ; la colonne finalité "
            "est un indice tiré du type de service, non un constat."
        ),
        "art30_a": "a) Responsable du traitement",
        "art30_b": "b) Finalités du traitement",
        "art30_c_subjects": "c) Catégories de personnes concernées",
        "art30_f": "f) Délais prévus pour l'effacement",
        "art30_g": "g) Mesures de sécurité techniques et organisationnelles",
        "art30_col_d": "d) Destinataire",
        "art30_col_c": "c) Catégories de données à caractère personnel",
        "art30_col_e": "e) Transfert vers un pays tiers",
        "art30_col_b": "b) Finalité (indice)",
        "art30_col_f": "f) Effacement",
        "art30_subjects_hint": "visiteurs dont le navigateur a émis les requêtes observées",
        "art30_b_hint": (
            "la colonne b) ci-dessous est un indice tiré du type de service, non une finalité"
        ),
        "art30_parent": "société mère",
        "art30_hosts": "hôtes",
        "art30_destinations": "destinations",
        "art30_no_destination": "aucune destination établie",
        "art30_safeguards": (
            "documentation des garanties : à compléter par le responsable du traitement"
        ),
        "art30_service": "service",
        "find_recipient_meta_hosts": "Hôtes",
        "find_requests": "Requêtes",
        "find_category": "Catégorie de service",
        "find_services": "Services",
        "find_servers": "Adresses des serveurs",
        "find_server_countries": "Pays des serveurs (indicatif)",
        "find_data": "Données personnelles reçues",
        "find_rule": "Règle",
        "find_severity": "Gravité",
        "find_citations": "Références juridiques",
        "find_evidence": "Preuves",
        "find_input": "Fichier",
        "find_entry": "Entrée",
        "find_field": "Champ",
        "find_excerpt": "Extrait",
        "find_more": "et {n} de plus",
        "find_none": "Aucun constat pour ce destinataire.",
        "find_decides": "détermine le verdict",
        "find_flows": "{n} flux",
        "find_chain": "Chaîne de contrôle",
        "find_facts": "Données d'enregistrement et de réseau",
        "find_compact_intro": (
            "{n} destinataires : les constats sont regroupés par règle, puis une ligne par "
            "destinataire. L'explication affichée est celle du premier destinataire ; "
            "l'explication, le raisonnement et les preuves propres à chacun figurent dans le "
            "rapport JSON."
        ),
        "find_example": "Exemple ({name})",
        "find_shared": "Même identifiant envoyé aussi à",
        "find_steps": "Raisonnement",
        "step_fact": "fait",
        "step_law": "droit",
        "step_rule": "règle",
        "step_conclusion": "conclusion",
        "secrets_kept": (
            "Attention : ce rapport a été produit avec --keep-secrets. Les valeurs n'ont PAS été "
            "masquées ; il peut contenir des cookies, jetons et autres secrets. Ne le diffusez pas."
        ),
        "method_p1": (
            "Ce registre est établi à partir de trafic de navigateur capturé. Une capture "
            "montre quelles requêtes le navigateur a envoyées, à quels hôtes et avec quelles "
            "données, pendant la capture. Elle ne montre pas les flux entre serveurs : "
            "transmissions côté serveur, partages en arrière-plan, sous-traitants ultérieurs "
            "et ce que les destinataires font des données reçues lui échappent."
        ),
        "method_p2": (
            "Une capture n'établit pas l'état du consentement. L'affichage d'un bandeau de "
            "consentement et la réponse qui y a été donnée doivent être établis séparément ; "
            "une requête montre ce qui a été envoyé, non sa base juridique."
        ),
        "method_p3": (
            "Les destinataires sont identifiés grâce à la base de connaissances d'organismes "
            "fournie avec l'outil ({n} organismes) : un hôte désigne un service, son exploitant "
            "et les sociétés mères de celui-ci. L'identification vaut ce que vaut cette base à "
            "la date de référence ; son empreinte SHA-256 figure ci-dessous et dans l'annexe "
            "d'intégrité."
        ),
        "method_p4": (
            "La localisation des serveurs (géolocalisation IP, lieux de traitement déclarés) "
            "est seulement indicative : les réseaux anycast et CDN répondent depuis de "
            "nombreux lieux, et l'exposition au droit d'un pays tiers suit l'entité qui "
            "contrôle les données, non le serveur."
        ),
        "method_p5": (
            "Ce qui ne peut être établi est signalé comme inconnu, jamais deviné. Les verdicts "
            "résultent de l'application des règles énumérées ci-dessous à ces observations ; "
            "ce sont des éléments d'évaluation, non une décision juridique."
        ),
        "method_kb": "Base de connaissances",
        "method_kb_sha": "SHA-256 de la base de connaissances",
        "method_rules": "Règles appliquées",
        "method_orgs": "{n} organismes",
        "int_intro": (
            "Recalculez l'empreinte d'un fichier avec « sha256sum FICHIER » et comparez. La "
            "commande ci-dessous, exécutée sur les mêmes fichiers avec la même version, "
            "reproduit ce rapport."
        ),
        "int_inputs": "Fichiers d'entrée",
        "int_kb": "Base de connaissances (organismes)",
        "int_ontology": "Ontologie et règles",
        "int_command": "Commande de reproduction",
        "int_command_none": "non enregistrée",
        "int_schema": "Version du schéma d'évaluation",
        "int_generator": "Générateur",
        "skip_intro": "{n} entrées de capture n'ont pas été analysées :",
        "skip_input": "Fichier",
        "skip_entry": "Entrée",
        "skip_reason": "Motif",
        "skip_more": "et {n} autres entrées ignorées",
    },
}

# Issue #7: cover, world map, full Art. 30 record, exhibits, legal appendix, method, CSV.
_STRINGS_7: dict[str, dict[str, str]] = {
    "en": {
        "cover_observed": "What was observed",
        "obs_summary": "{inputs} input file(s), {entries} capture entries, {requests} requests to "
                       "third parties",
        "obs_range": "from {first} to {last}",
        "obs_producers": "recorded by",
        "ctl_src_option": "as stated with --controller",
        "ctl_src_register": "from the declared processing register",
        "ctl_src_kb": "operator of {domain} according to the knowledge base; to be confirmed by "
                      "the controller",
        "sec_worldmap": "World map of destinations",
        "wmap_title": "Countries where recipients receive data, by most severe verdict",
        "wmap_eea": "EU/EEA",
        "wmap_parent": "country of an ultimate parent (no data received there)",
        "wmap_note": "Colour: the most severe verdict among the places recipients receive the data "
                     "in that country (knowledge base), not the servers' IP location.",
        "wmap_missing": "Not drawn: {codes}.",
        "wmap_source": "Country shapes: Natural Earth 1:110m (public domain) via the world-atlas "
                       "package; equirectangular projection.",
        "wmap_table": "Countries where data are received",
        "art30_col_letter": "Art. 30(1)",
        "art30_col_observed": "Established by observation",
        "art30_col_declared": "Declared by the controller (register)",
        "art30_c_data": "(c) Categories of personal data",
        "art30_d": "(d) Categories of recipients",
        "art30_e": "(e) Transfers to third countries",
        "art30_obs_none": "not observable in traffic",
        "art30_obs_b": "per recipient, a hint from the kind of service (column (b) below); "
                       "not a purpose",
        "art30_obs_d": "{n} recipients observed (table below)",
        "art30_obs_e": "{n} of {total} recipients receive data in a third country: {countries}",
        "art30_obs_e_none": "no recipient receives data in a third country",
        "art30_obs_f": "lifetimes of {n} cookies readable by recipients (table below)",
        "art30_obs_f_none": "no cookie lifetime in the capture",
        "art30_no_register": "no register among the inputs",
        "art30_decl_d": "{n} recipients declared (matched ones shown per recipient below)",
        "art30_decl_e": "declared safeguards per recipient, column (e) below",
        "art30_register": "register updated {dates}",
        "art30_a_more": "joint controller, representative and data protection officer",
        "art30_declared_safeguards": "declared safeguards",
        "art30_declared_none": "not declared",
        "art30_cookies": "Cookie lifetimes observed (Art. 30(1)(f) hint)",
        "cookie_name": "Cookie",
        "cookie_domain": "Domain",
        "cookie_days": "Lifetime (days)",
        "cookie_session": "session",
        "cookie_source": "Recorded by",
        "cookie_more": "and {n} more cookies (JSON report)",
        "sec_exhibits": "Exhibits",
        "ex_intro": (
            "Each exhibit is one request of a capture that a finding cites; findings refer to it by "
            "its number (E-n). URLs are shown as redacted by gdprmap. Server ASN and country "
            "come from the bundled IP data and are indicative only."
        ),
        "ex_col_no": "No.",
        "ex_col_request": "Request",
        "ex_col_server": "Server",
        "ex_col_cited": "Cited for",
        "ex_more": "{n} further cited entries are not printed here; every evidence item is in the "
                   "JSON report and the CSV register (attached to PDF/A-3 reports).",
        "ex_none": "No finding cites a capture entry.",
        "find_exhibit": "Exhibit",
        "find_group_recipients": "Recipients ({n})",
        "find_per_recipient": "Findings per recipient, with evidence and exhibits",
        "find_decides_mark": "* the rule that decides the recipient's verdict. Evidence: the "
                             "deciding finding's first field (count × field · entries).",
        "sec_legal": "Legal appendix",
        "legal_intro": (
            "The rules behind the findings of this report, with their legal sources. Links are "
            "European Legislation Identifiers (ELI) or official pages; they are printed, never "
            "fetched."
        ),
        "legal_findings": "{n} findings",
        "legal_verdict": "Verdict",
        "legal_logic": "Logic",
        "legal_sources": "Sources",
        "legal_others": "Rules applied that gave no finding here",
        "method_p6": (
            "Server locations: each server IP address is looked up in the bundled IP data "
            "(ip-location-db, data of {date}) for its autonomous system (ASN), the AS "
            "organisation and the country the range is registered or announced from. CDN and "
            "anycast ranges are often mislocated; these facts never decide a verdict."
        ),
        "method_p7": (
            "The PDF aggregates per-request detail: findings show a bounded number of evidence "
            "items and exhibits; the JSON report and the CSV register hold the full record and "
            "are attached to PDF/A-3 reports."
        ),
        "method_status": "Installed data (gdprmap kb status)",
        "method_status_match": "these are the data the assessment was made with (hashes match)",
        "method_status_mismatch": (
            "the installed data differ from those the assessment was made with (hashes differ): "
            "the rows describe the installed data"
        ),
        "int_ipdb": "IP data date",
        "int_rules": "Rule set",
        "int_attachments": "Attached files",
        "int_attachments_intro": "This PDF/A-3 document embeds (open the attachments panel "
                                 "of a PDF reader):",
        "att_json": "the assessment as JSON (full evidence)",
        "att_csv": "the processing register as CSV, one row per recipient",
    },
    "fr": {
        "cover_observed": "Ce qui a été observé",
        "obs_summary": "{inputs} fichier(s) d'entrée, {entries} entrées de capture, {requests} "
                       "requêtes vers des tiers",
        "obs_range": "du {first} au {last}",
        "obs_producers": "enregistré par",
        "ctl_src_option": "tel qu'indiqué par --controller",
        "ctl_src_register": "d'après le registre des traitements déclaré",
        "ctl_src_kb": "exploitant de {domain} selon la base de connaissances ; à confirmer par "
                      "le responsable du traitement",
        "sec_worldmap": "Carte du monde des destinations",
        "wmap_title": "Pays où les destinataires reçoivent des données, par verdict le plus grave",
        "wmap_eea": "UE/EEE",
        "wmap_parent": "pays d'une société mère ultime (aucune donnée reçue)",
        "wmap_note": "Couleur : le verdict le plus grave parmi les lieux où les destinataires "
                     "reçoivent les données dans ce pays (base de connaissances), non la "
                     "localisation IP des serveurs.",
        "wmap_missing": "Non dessinés : {codes}.",
        "wmap_source": "Contours des pays : Natural Earth 1:110m (domaine public) via le paquet "
                       "world-atlas ; projection équirectangulaire.",
        "wmap_table": "Pays où les données sont reçues",
        "art30_col_letter": "Art. 30(1)",
        "art30_col_observed": "Établi par l'observation",
        "art30_col_declared": "Déclaré par le responsable (registre)",
        "art30_c_data": "(c) Catégories de données à caractère personnel",
        "art30_d": "(d) Catégories de destinataires",
        "art30_e": "(e) Transferts vers des pays tiers",
        "art30_obs_none": "non observable dans le trafic",
        "art30_obs_b": "pour chaque destinataire, une indication tirée du type de service "
                       "(colonne (b) ci-dessous) ; pas une finalité",
        "art30_obs_d": "{n} destinataires observés (tableau ci-dessous)",
        "art30_obs_e": "{n} destinataires sur {total} reçoivent des données dans un pays tiers : "
                       "{countries}",
        "art30_obs_e_none": "aucun destinataire ne reçoit de données dans un pays tiers",
        "art30_obs_f": "durées de vie de {n} cookies lisibles par des destinataires (tableau "
                       "ci-dessous)",
        "art30_obs_f_none": "aucune durée de vie de cookie dans la capture",
        "art30_no_register": "aucun registre parmi les fichiers d'entrée",
        "art30_decl_d": "{n} destinataires déclarés (ceux qui correspondent figurent ci-dessous)",
        "art30_decl_e": "garanties déclarées par destinataire, colonne (e) ci-dessous",
        "art30_register": "registre mis à jour le {dates}",
        "art30_a_more": "responsable conjoint, représentant et délégué à la protection des données",
        "art30_declared_safeguards": "garanties déclarées",
        "art30_declared_none": "non déclarées",
        "art30_cookies": "Durées de vie des cookies observées (indication pour l'art. 30(1)(f))",
        "cookie_name": "Cookie",
        "cookie_domain": "Domaine",
        "cookie_days": "Durée (jours)",
        "cookie_session": "session",
        "cookie_source": "Enregistré par",
        "cookie_more": "et {n} autres cookies (rapport JSON)",
        "sec_exhibits": "Pièces",
        "ex_intro": (
            "Chaque pièce est une requête d'une capture citée par un constat ; les constats y "
            "renvoient par son numéro (E-n). Les URL sont montrées telles qu'expurgées par "
            "gdprmap. L'ASN et le pays du serveur proviennent des données IP fournies et ne sont "
            "qu'indicatifs."
        ),
        "ex_col_no": "N°",
        "ex_col_request": "Requête",
        "ex_col_server": "Serveur",
        "ex_col_cited": "Citée pour",
        "ex_more": "{n} autres entrées citées ne sont pas imprimées ici ; chaque élément de preuve "
                   "figure dans le rapport JSON et le registre CSV (joints aux rapports PDF/A-3).",
        "ex_none": "Aucun constat ne cite d'entrée de capture.",
        "find_exhibit": "Pièce",
        "find_group_recipients": "Destinataires ({n})",
        "find_per_recipient": "Constats par destinataire, avec preuves et pièces",
        "find_decides_mark": "* la règle qui décide du verdict du destinataire. Preuves : le "
                             "premier champ du constat décisif (nombre × champ · entrées).",
        "sec_legal": "Annexe juridique",
        "legal_intro": (
            "Les règles qui fondent les constats de ce rapport, avec leurs sources juridiques. "
            "Les liens sont des identifiants européens de la législation (ELI) ou des pages "
            "officielles ; ils sont imprimés, jamais consultés."
        ),
        "legal_findings": "{n} constats",
        "legal_verdict": "Verdict",
        "legal_logic": "Logique",
        "legal_sources": "Sources",
        "legal_others": "Règles appliquées sans constat ici",
        "method_p6": (
            "Localisation des serveurs : chaque adresse IP de serveur est recherchée dans les "
            "données IP fournies (ip-location-db, données du {date}) pour son système autonome "
            "(ASN), l'organisation de l'AS et le pays d'enregistrement ou d'annonce de la plage. "
            "Les plages de CDN et anycast sont souvent mal localisées ; ces faits ne décident "
            "jamais d'un verdict."
        ),
        "method_p7": (
            "Le PDF agrège le détail par requête : les constats montrent un nombre borné "
            "d'éléments de preuve et de pièces ; le rapport JSON et le registre CSV contiennent "
            "l'intégralité et sont joints aux rapports PDF/A-3."
        ),
        "method_status": "Données installées (gdprmap kb status)",
        "method_status_match": "ce sont les données avec lesquelles l'évaluation a été faite "
                               "(empreintes identiques)",
        "method_status_mismatch": (
            "les données installées diffèrent de celles de l'évaluation (empreintes "
            "différentes) : les lignes décrivent les données installées"
        ),
        "int_ipdb": "Date des données IP",
        "int_rules": "Jeu de règles",
        "int_attachments": "Fichiers joints",
        "int_attachments_intro": "Ce document PDF/A-3 contient (panneau des pièces jointes du "
                                 "lecteur PDF) :",
        "att_json": "l'évaluation en JSON (preuves complètes)",
        "att_csv": "le registre des traitements en CSV, une ligne par destinataire",
    },
}
for _lang, _more in _STRINGS_7.items():
    _STRINGS[_lang].update(_more)

# Issue #9: the condensed print layout (each citation in full once, servers once).
_STRINGS_9: dict[str, dict[str, str]] = {
    "en": {
        "find_sources_full": "in full in the legal appendix",
        "find_request_line": "the request line of the exhibit",
        "find_evidence_cols": "exhibits, capture entries, field: excerpt",
        "find_explanation_as": "Same explanation as for {name}:",
        "find_citations_as": "as for {name}:",
        "step_same": "Steps {first}–{last}: as steps {same_first}–{same_last} of {rule} above.",
        "step_same_one": "Step {first}: as step {same_first} of {rule} above.",
        "ex_inputs_one": "All exhibits are entries of {path}.",
        "ex_servers": "Servers of the exhibits",
        "ex_col_as": "Autonomous system (AS)",
        "ex_col_source": "Source",
    },
    "fr": {
        "find_sources_full": "texte complet dans l'annexe juridique",
        "find_request_line": "la ligne de requête de la pièce",
        "find_evidence_cols": "pièces, entrées de la capture, champ : extrait",
        "find_explanation_as": "Même explication que pour {name} :",
        "find_citations_as": "les mêmes que pour {name} :",
        "step_same": "Étapes {first} à {last} : comme les étapes {same_first} à {same_last} de "
                     "{rule} ci-dessus.",
        "step_same_one": "Étape {first} : comme l'étape {same_first} de {rule} ci-dessus.",
        "ex_inputs_one": "Toutes les pièces sont des entrées de {path}.",
        "ex_servers": "Serveurs des pièces",
        "ex_col_as": "Système autonome (AS)",
        "ex_col_source": "Source",
    },
}
for _lang, _more in _STRINGS_9.items():
    _STRINGS[_lang].update(_more)

# Issue 19: large reports print their long tail of recipients in a compact annex.
_STRINGS_19: dict[str, dict[str, str]] = {
    "en": {
        "sec_annex": "Annex: other recipients",
        "annex_intro": (
            "This report has {total} recipients. The {shown} printed in full above are the "
            "identified recipients before the unidentified ones, the most serious verdict "
            "first, then the most severe finding, special-category data and the number of "
            "requests. The {n} others are listed here, each with its verdict, the rule that "
            "decides it, the countries where it receives data, its requests and the capture "
            "entries its deciding finding cites; their hosts, data categories, findings and "
            "every evidence item are in the JSON report and the CSV register."
        ),
        "annex_ref": "{n} further recipients are listed in the annex with their verdict, "
                     "deciding rule and evidence:",
        "annex_more": "{n} in the annex",
        "annex_col_recipient": "Recipient",
        "annex_col_rule": "Rule",
        "annex_col_countries": "Received in",
        "annex_col_requests": "Requests",
        "annex_col_evidence": "Evidence: entries",
        "map_tail": "{n} in the annex",
        "map_tail_countries": "{n} other countries",
        "map_tail_note": "The last part groups the {n} recipients of the annex by verdict.",
    },
    "fr": {
        "sec_annex": "Annexe : autres destinataires",
        "annex_intro": (
            "Ce rapport compte {total} destinataires. Les {shown} présentés en détail ci-dessus "
            "sont les destinataires identifiés avant les non identifiés, le verdict le plus "
            "grave d'abord, puis le constat le plus sévère, les données sensibles et le nombre "
            "de requêtes. Les {n} autres sont listés ici, chacun avec son verdict, la règle qui "
            "le décide, les pays où il reçoit des données, ses requêtes et les entrées de la "
            "capture que cite son constat décisif ; leurs hôtes, catégories de données, "
            "constats et chaque élément de preuve figurent dans le rapport JSON et le "
            "registre CSV."
        ),
        "annex_ref": "{n} autres destinataires sont listés en annexe avec leur verdict, leur "
                     "règle décisive et leurs preuves :",
        "annex_more": "{n} en annexe",
        "annex_col_recipient": "Destinataire",
        "annex_col_rule": "Règle",
        "annex_col_countries": "Reçoit en",
        "annex_col_requests": "Requêtes",
        "annex_col_evidence": "Preuves : entrées",
        "map_tail": "{n} en annexe",
        "map_tail_countries": "{n} autres pays",
        "map_tail_note": "La dernière partie regroupe par verdict les {n} destinataires de "
                         "l'annexe.",
    },
}
for _lang, _more in _STRINGS_19.items():
    _STRINGS[_lang].update(_more)

# --- verdicts and severities ---------------------------------------------------------------

_VERDICT_FR: dict[str, str] = {
    "no-transfer": "pas de transfert",
    "adequate": "adéquat",
    "safeguarded": "garanties déclarées",
    "exposed": "exposé",
    "safeguards-required": "garanties requises",
    "unknown": "inconnu",
    "unlawful": "illicite",
}

_VERDICT_MEANING: dict[str, dict[str, str]] = {
    "en": {
        "no-transfer": "Received in the EEA by an entity controlled from the EEA (or from a "
        "country with no law recorded as reaching it).",
        "adequate": "Third country, or listed organisation, covered by an adequacy decision in "
        "force at the as-of date.",
        "safeguarded": "Third country without adequacy, with an Art. 46 transfer tool declared by "
        "the controller; its transfer impact assessment must support it.",
        "exposed": "Received in the EEA by an entity whose parent is in a country whose law "
        "reaches it: a risk, not a transfer.",
        "safeguards-required": "Third country without adequacy for this recipient: lawful only "
        "with an Art. 46 tool, a transfer impact assessment and supplementary measures the "
        "controller must show.",
        "unknown": "The recipient or the country receiving the data is not identified (never "
        "read as adequate).",
        "unlawful": "Data the service needs in clear, sent to a third country where no "
        "safeguard can be effective.",
    },
    "fr": {
        "no-transfer": "Reçu dans l'EEE par une entité contrôlée depuis l'EEE (ou depuis un pays "
        "dont aucun droit connu ne l'atteint).",
        "adequate": "Pays tiers, ou organisme inscrit, couvert par une décision d'adéquation en "
        "vigueur à la date de référence.",
        "safeguarded": "Pays tiers sans adéquation, avec un instrument de l'art. 46 déclaré par le "
        "responsable ; son analyse d'impact du transfert doit l'étayer.",
        "exposed": "Reçu dans l'EEE par une entité dont la société mère relève d'un pays dont le "
        "droit l'atteint : un risque, non un transfert.",
        "safeguards-required": "Pays tiers sans adéquation pour ce destinataire : licite "
        "seulement avec un instrument de l'art. 46, une analyse d'impact du transfert et les "
        "mesures supplémentaires que le responsable doit démontrer.",
        "unknown": "Le destinataire ou le pays qui reçoit les données n'est pas identifié "
        "(jamais considéré comme adéquat).",
        "unlawful": "Données dont le service a besoin en clair, envoyées vers un pays tiers où "
        "aucune garantie ne peut être efficace.",
    },
}

_SEVERITY_FR: dict[Severity, str] = {
    Severity.INFO: "information",
    Severity.LOW: "faible",
    Severity.MEDIUM: "moyenne",
    Severity.HIGH: "élevée",
    Severity.CRITICAL: "critique",
}

SEVERITY_RANK: dict[Severity, int] = {s: i for i, s in enumerate(Severity)}

# --- DPV personal-data categories ---------------------------------------------------------

_CATEGORIES: dict[str, tuple[str, str]] = {
    # fragment of https://w3id.org/dpv/pd#...: (en, fr)
    "IPAddress": ("IP address", "Adresse IP"),
    "Identifier": ("Identifier", "Identifiant"),
    "BrowsingBehaviour": ("Browsing behaviour", "Comportement de navigation"),
    "BrowsingReferral": ("Browsing referral (referrer)", "Page de provenance (référent)"),
    "BrowserHistory": ("Browser history", "Historique de navigation"),
    "BrowserFingerprint": ("Browser fingerprint", "Empreinte du navigateur"),
    "UserAgent": ("User agent", "Agent utilisateur"),
    "DeviceBased": ("Device-based data", "Données liées à l'appareil"),
    "DeviceSoftware": ("Device software", "Logiciels de l'appareil"),
    "DeviceOperatingSystem": ("Device operating system", "Système d'exploitation"),
    "Language": ("Language", "Langue"),
    "Location": ("Location", "Localisation"),
    "Country": ("Country", "Pays"),
    "InternetActivity": ("Internet activity", "Activité sur Internet"),
    "SearchQuery": ("Search query", "Requête de recherche"),
    "Interaction": ("Interactions", "Interactions"),
    "EmailAddress": ("Email address", "Adresse électronique"),
    "TelephoneNumber": ("Telephone number", "Numéro de téléphone"),
    "Name": ("Name", "Nom"),
    "Username": ("Username", "Nom d'utilisateur"),
    "Password": ("Password", "Mot de passe"),
    "Age": ("Age", "Âge"),
    "Gender": ("Gender", "Genre"),
    "Purchase": ("Purchases", "Achats"),
    "Transactional": ("Transactions", "Transactions"),
    "Health": ("Health", "Santé"),
    "HealthRecord": ("Health record", "Dossier médical"),
    "MedicalHealth": ("Medical health", "Santé (médicale)"),
    "MentalHealth": ("Mental health", "Santé mentale"),
    "Genetic": ("Genetic data", "Données génétiques"),
    "Biometric": ("Biometric data", "Données biométriques"),
    "Religion": ("Religion", "Religion"),
    "PhilosophicalBelief": ("Philosophical belief", "Convictions philosophiques"),
    "PoliticalAffiliation": ("Political affiliation", "Opinions politiques"),
    "PoliticalOpinion": ("Political opinion", "Opinions politiques"),
    "TradeUnionMembership": ("Trade union membership", "Appartenance syndicale"),
    "Race": ("Racial origin", "Origine raciale"),
    "Ethnicity": ("Ethnic origin", "Origine ethnique"),
    "SexualOrientation": ("Sexual orientation", "Orientation sexuelle"),
    "SexualHistory": ("Sex life", "Vie sexuelle"),
    "CriminalOffense": ("Criminal offences", "Infractions pénales"),
}

# --- service categories (purpose hints) -----------------------------------------------------

_SERVICE_HINTS: dict[str, tuple[str, str]] = {
    "analytics": ("audience measurement / analytics", "mesure d'audience / statistiques"),
    "audience-measurement": ("audience measurement", "mesure d'audience"),
    "advertising": ("advertising", "publicité"),
    "ads": ("advertising", "publicité"),
    "marketing": ("marketing", "marketing"),
    "cdn": ("content delivery", "diffusion de contenu (CDN)"),
    "hosting": ("hosting", "hébergement"),
    "cloud": ("cloud hosting", "hébergement en nuage"),
    "storage": ("file storage", "stockage de fichiers"),
    "media": ("image and media delivery", "diffusion d'images et de médias"),
    "images": ("image delivery", "diffusion d'images"),
    "video": ("video", "vidéo"),
    "fonts": ("web fonts", "polices de caractères"),
    "maps": ("maps", "cartographie"),
    "consent": ("consent management", "gestion du consentement"),
    "cmp": ("consent management", "gestion du consentement"),
    "error-monitoring": ("error monitoring", "surveillance des erreurs"),
    "monitoring": ("monitoring", "surveillance technique"),
    "apm": ("performance monitoring", "surveillance des performances"),
    "tag-manager": ("tag management", "gestion de balises"),
    "social": ("social media", "réseaux sociaux"),
    "chat": ("chat / customer support", "messagerie / support client"),
    "support": ("customer support", "support client"),
    "payment": ("payment", "paiement"),
    "payments": ("payment", "paiement"),
    "security": ("security / bot protection", "sécurité / protection anti-robots"),
    "captcha": ("bot protection (captcha)", "protection anti-robots (captcha)"),
    "session-replay": ("session recording", "enregistrement de session"),
    "ab-testing": ("A/B testing", "tests A/B"),
    "search": ("site search", "recherche sur le site"),
    "booking": ("appointment booking", "prise de rendez-vous"),
    "email": ("email delivery", "envoi de courriels"),
}

# --- countries ------------------------------------------------------------------------------

EEA: frozenset[str] = frozenset(
    ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"]
)
# EU outermost regions and Åland have ISO codes of their own (TFEU Art. 349, 355(4)).
EU_TERRITORIES: frozenset[str] = frozenset(["RE", "GP", "MQ", "GF", "YT", "MF", "AX"])
UK_TRANSITION_END = dt.date(2020, 12, 31)

_COUNTRIES: dict[str, tuple[str, str]] = {
    "AT": ("Austria", "Autriche"),
    "BE": ("Belgium", "Belgique"),
    "BG": ("Bulgaria", "Bulgarie"),
    "HR": ("Croatia", "Croatie"),
    "CY": ("Cyprus", "Chypre"),
    "CZ": ("Czechia", "Tchéquie"),
    "DK": ("Denmark", "Danemark"),
    "EE": ("Estonia", "Estonie"),
    "FI": ("Finland", "Finlande"),
    "FR": ("France", "France"),
    "DE": ("Germany", "Allemagne"),
    "GR": ("Greece", "Grèce"),
    "HU": ("Hungary", "Hongrie"),
    "IE": ("Ireland", "Irlande"),
    "IT": ("Italy", "Italie"),
    "LV": ("Latvia", "Lettonie"),
    "LT": ("Lithuania", "Lituanie"),
    "LU": ("Luxembourg", "Luxembourg"),
    "MT": ("Malta", "Malte"),
    "NL": ("Netherlands", "Pays-Bas"),
    "PL": ("Poland", "Pologne"),
    "PT": ("Portugal", "Portugal"),
    "RO": ("Romania", "Roumanie"),
    "SK": ("Slovakia", "Slovaquie"),
    "SI": ("Slovenia", "Slovénie"),
    "ES": ("Spain", "Espagne"),
    "SE": ("Sweden", "Suède"),
    "IS": ("Iceland", "Islande"),
    "LI": ("Liechtenstein", "Liechtenstein"),
    "NO": ("Norway", "Norvège"),
    "CH": ("Switzerland", "Suisse"),
    "GB": ("United Kingdom", "Royaume-Uni"),
    "US": ("United States", "États-Unis"),
    "CA": ("Canada", "Canada"),
    "MX": ("Mexico", "Mexique"),
    "BR": ("Brazil", "Brésil"),
    "AR": ("Argentina", "Argentine"),
    "UY": ("Uruguay", "Uruguay"),
    "CL": ("Chile", "Chili"),
    "IL": ("Israel", "Israël"),
    "AE": ("United Arab Emirates", "Émirats arabes unis"),
    "SA": ("Saudi Arabia", "Arabie saoudite"),
    "TR": ("Türkiye", "Turquie"),
    "UA": ("Ukraine", "Ukraine"),
    "RU": ("Russia", "Russie"),
    "BY": ("Belarus", "Biélorussie"),
    "RS": ("Serbia", "Serbie"),
    "IN": ("India", "Inde"),
    "CN": ("China", "Chine"),
    "HK": ("Hong Kong", "Hong Kong"),
    "TW": ("Taiwan", "Taïwan"),
    "JP": ("Japan", "Japon"),
    "KR": ("South Korea", "Corée du Sud"),
    "SG": ("Singapore", "Singapour"),
    "MY": ("Malaysia", "Malaisie"),
    "ID": ("Indonesia", "Indonésie"),
    "PH": ("Philippines", "Philippines"),
    "VN": ("Vietnam", "Viêt Nam"),
    "TH": ("Thailand", "Thaïlande"),
    "AU": ("Australia", "Australie"),
    "NZ": ("New Zealand", "Nouvelle-Zélande"),
    "ZA": ("South Africa", "Afrique du Sud"),
    "NG": ("Nigeria", "Nigeria"),
    "EG": ("Egypt", "Égypte"),
    "MA": ("Morocco", "Maroc"),
    "TN": ("Tunisia", "Tunisie"),
    "AD": ("Andorra", "Andorre"),
    "FO": ("Faroe Islands", "Îles Féroé"),
    "GG": ("Guernsey", "Guernesey"),
    "JE": ("Jersey", "Jersey"),
    "IM": ("Isle of Man", "Île de Man"),
    "MC": ("Monaco", "Monaco"),
    "SM": ("San Marino", "Saint-Marin"),
    "VA": ("Vatican City", "Vatican"),
    "KY": ("Cayman Islands", "Îles Caïmans"),
    "BM": ("Bermuda", "Bermudes"),
    "PA": ("Panama", "Panama"),
    "SC": ("Seychelles", "Seychelles"),
    "BZ": ("Belize", "Belize"),
    "VG": ("British Virgin Islands", "Îles Vierges britanniques"),
}

# --- dates ------------------------------------------------------------------------------------

_MONTHS = {
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"],
}


def format_date(value: dt.date | dt.datetime | None, lang: str) -> str:
    """``5 December 2022`` / ``5 décembre 2022`` (``1er`` for the first day in French)."""
    check_lang(lang)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _utc(value).date()
    day = str(value.day)
    if lang == "fr" and value.day == 1:
        day = "1er"
    return f"{day} {_MONTHS[lang][value.month - 1]} {value.year}"


def format_datetime(value: dt.datetime | None, lang: str) -> str:
    """Date as :func:`format_date`, then the time; aware times are shown in UTC."""
    check_lang(lang)
    if value is None:
        return ""
    aware = value.tzinfo is not None and value.utcoffset() is not None
    value = _utc(value)
    sep = ", " if lang == "en" else " à "
    zone = " UTC" if aware else ""
    return f"{format_date(value, lang)}{sep}{value:%H:%M:%S}{zone}"


def format_number(value: float, lang: str, decimals: int = 0) -> str:
    """``12,345.6`` in English, ``12 345,6`` in French (narrow no-break space)."""
    check_lang(lang)
    text = f"{value:,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(dt.UTC)
    return value


# --- lookups ----------------------------------------------------------------------------------


def strings(lang: str) -> Mapping[str, str]:
    return _STRINGS[check_lang(lang)]


def t(lang: str, key: str, **values: object) -> str:
    """The fixed string ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    text = _STRINGS[check_lang(lang)][key]
    return text.format(**values) if values else text


def _word(verdict: Verdict | str) -> str:
    return verdict.value if isinstance(verdict, Verdict) else str(verdict)


def verdict_label(verdict: Verdict | str, lang: str) -> str:
    """The verdict word, followed in French by its translation: ``unlawful (illicite)``."""
    check_lang(lang)
    word = _word(verdict)
    if lang == "en" or word not in _VERDICT_FR:
        return word
    return f"{word} ({_VERDICT_FR[word]})"


def verdict_meaning(verdict: Verdict | str, lang: str) -> str:
    return _VERDICT_MEANING[check_lang(lang)].get(_word(verdict), "")


def severity_label(severity: Severity | str, lang: str) -> str:
    check_lang(lang)
    severity = Severity(severity)
    if lang == "en":
        return severity.value
    return f"{severity.value} ({_SEVERITY_FR[severity]})"


def _fragment(iri: str) -> str:
    return re.split(r"[#/:]", iri.rstrip("#/"))[-1]


def _humanise(token: str) -> str:
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", token).split()
    if not words:
        return token
    out = [words[0]] + [w if w.isupper() and len(w) > 1 else w.lower() for w in words[1:]]
    return " ".join(out)


def _vocab_label(iri: str, lang: str) -> str | None:
    """The label the classifier's vocabulary gives ``iri`` (kept in step with the JSON)."""
    try:
        from .. import vocab
    except ImportError:  # pragma: no cover - vocabulary module absent
        return None
    cats = getattr(vocab, "CATEGORIES", {})
    cat = cats.get(iri) if isinstance(cats, dict) else None
    text = getattr(cat, lang, None) if cat is not None else None
    if not isinstance(text, str) or not text:
        return None
    return text[0].upper() + text[1:]


def category_label(iri: str, lang: str, fallback: str | None = None) -> str:
    """Human label of a DPV personal-data category IRI: the classifier vocabulary's label,
    else this module's, else ``fallback`` (the assessment's own label), else the IRI's last
    segment made readable."""
    check_lang(lang)
    known = _vocab_label(iri, lang)
    if known:
        return known
    if iri.startswith(DPV_PD):
        mine = _CATEGORIES.get(iri[len(DPV_PD) :])
        if mine:
            return mine[LANGUAGES.index(lang)]
    if fallback:
        return fallback
    return _humanise(_fragment(iri)) or iri


_ART9_SUFFIX = re.compile(r"(?<!\s)\s*+\((?:GDPR\s+|RGPD\s+)?art\.?\s*9\)\s*$", re.IGNORECASE)


def without_art9(label: str) -> str:
    """``Health data (Art. 9)`` -> ``Health data`` (for places that show an Art. 9 tag)."""
    return _ART9_SUFFIX.sub("", label) or label


def category_curie(iri: str) -> str:
    """``pd:Health`` for a DPV personal-data IRI, the IRI itself otherwise."""
    if iri.startswith(DPV_PD):
        return "pd:" + iri[len(DPV_PD) :]
    return iri


def service_hint(category: str | None, lang: str) -> str | None:
    """A purpose hint for a service category (``analytics`` -> audience measurement)."""
    check_lang(lang)
    if not category:
        return None
    known = _SERVICE_HINTS.get(category.strip().lower())
    if known:
        return known[LANGUAGES.index(lang)]
    return category


@lru_cache(maxsize=1)
def _jurisdiction_names() -> dict[str, tuple[str, str]]:
    """ISO code -> (en, fr) names from the bundled ``jurisdictions.ttl`` (CLDR names)."""
    try:
        from ..resources import bundled_dir

        text = (bundled_dir("ontologies") / "jurisdictions.ttl").read_text(encoding="utf-8")
    except (OSError, KeyError):
        return {}
    out = {}
    pattern = re.compile(
        r'gm:isoCode "([A-Z]{2})" ;\s*rdfs:label "((?:[^"\\]|\\.)*)"@en, "((?:[^"\\]|\\.)*)"@fr'
    )
    for code, en, fr in pattern.findall(text):
        out[code] = (en, fr)
    return out


def country_name(code: str | None, lang: str) -> str:
    """Localised name of an ISO 3166-1 alpha-2 code; the code itself when unknown."""
    check_lang(lang)
    if not code:
        return t(lang, "unknown_country")
    code = code.upper()
    known = _COUNTRIES.get(code) or _jurisdiction_names().get(code)
    return known[LANGUAGES.index(lang)] if known else code


def is_eea(code: str | None, as_of: dt.date | None = None) -> bool:
    """EU/EEA territory (outermost regions included; the United Kingdom until 2020-12-31)."""
    if not code:
        return False
    code = code.upper()
    if code in EEA or code in EU_TERRITORIES:
        return True
    return code == "GB" and as_of is not None and as_of <= UK_TRANSITION_END


def country_status(code: str | None, lang: str, as_of: dt.date | None = None) -> str:
    """``EU/EEA``, ``third country`` or ``unknown`` (geography only, not an adequacy claim)."""
    if not code:
        return t(lang, "unknown_country")
    return t(lang, "eea") if is_eea(code, as_of) else t(lang, "third_country")


class Translator:
    """Bundle of the helpers above bound to one language, handed to templates as ``_``."""

    def __init__(self, lang: str, as_of: dt.date | None = None) -> None:
        self.lang = check_lang(lang)
        self.as_of = as_of

    def __call__(self, key: str, **values: object) -> str:
        return t(self.lang, key, **values)

    def label(self, key: str, **values: object) -> str:
        """The string followed by a colon, French style (``Hôtes :``) in French."""
        return t(self.lang, key, **values) + COLON[self.lang]

    def verdict(self, verdict: Verdict | str) -> str:
        return verdict_label(verdict, self.lang)

    def meaning(self, verdict: Verdict | str) -> str:
        return verdict_meaning(verdict, self.lang)

    def step_kind(self, kind: str) -> str:
        key = f"step_{kind}"
        return t(self.lang, key) if key in _STRINGS[self.lang] else kind

    def severity(self, severity: Severity | str) -> str:
        return severity_label(severity, self.lang)

    def category(self, iri: str, fallback: str | None = None) -> str:
        return category_label(iri, self.lang, fallback)

    def country(self, code: str | None) -> str:
        return country_name(code, self.lang)

    def status(self, code: str | None) -> str:
        return country_status(code, self.lang, self.as_of)

    def eea(self, code: str | None) -> bool:
        return is_eea(code, self.as_of)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        return format_date(value, self.lang)

    def datetime(self, value: dt.datetime | None) -> str:
        return format_datetime(value, self.lang)

    def number(self, value: float, decimals: int = 0) -> str:
        return format_number(value, self.lang, decimals)
