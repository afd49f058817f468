"""The sentence templates of the compositional EN-FR stories.

A template is a ``{"en": str, "fr": str}`` pair of translations. Two kinds
of markup are filled by :func:`speechbrain_xling.corpora.stories.render`:

* ``[present|past]`` picks the story's tense (``past`` is the simple past in
  English and the *passé composé* or *imparfait* in French);
* ``{slot}`` takes a word of the story's cast
  (:func:`~speechbrain_xling.corpora.stories.cast_slots`): nouns with their
  articles, pronouns, and the French agreement endings.

French agreement is written into the templates with slots, never left to
chance: ``{e_c}`` / ``{e_o}`` / ``{e_f}`` add the feminine ``e`` of a past
participle or adjective agreeing with the character / object / friend (after
*être*, and after *avoir* with a preceding direct-object pronoun:
``l'a aidé{e_c}``), ``{es_cf}`` the plural ending agreeing with the
character and the friend together (``assis`` / ``assises``). A participle
after *avoir* with its object after it does not agree (``s'est cogné la
tête``). Elision is written out where the next word is fixed (``l'aide``,
``n'a``); the nouns' articles elide by themselves (``{le_c}``: ``l'ours``).

Sentence types (each with at least three paraphrases):

``SETUPS``
    The first sentence: who, where.
``EVENTS``
    Thirteen kinds of event (:class:`Event`), each with its own paraphrases
    of the event, of its consequence, and of the ending that resolves it.
    The ending presupposes its event (the *lost* bucket is found, the
    character is *not hungry anymore*), so it contradicts any other event.
``REACTIONS``
    A feeling that fits every event of one valence (``bad`` or ``good``), so
    it never tells which event happened.
``FILLERS``
    Event-free sentences: ``neutral`` ones name nothing of the story (the
    sun, the wind), ``descriptive`` ones name the cast but no event.

Authors
 * speechbrain-xling authors 2026
"""

from dataclasses import dataclass


def _pairs(*entries):
    """``(en, fr)`` tuples as ``{"en": en, "fr": fr}`` templates."""
    return tuple({"en": en, "fr": fr} for en, fr in entries)


@dataclass(frozen=True)
class Event:
    """One kind of event with its sentences.

    Arguments
    ---------
    name : str
        Short identifier (``lose``).
    valence : str
        ``bad`` or ``good``: which :data:`REACTIONS` fit it.
    event : tuple of dict
        Paraphrases of the event sentence (the decisive cue).
    consequence : tuple of dict
        Paraphrases of what the friend or the characters do about it.
    ending : tuple of dict
        Paraphrases of the ending that resolves it.

    Example
    -------
    >>> EVENTS["lose"].valence, len(EVENTS["lose"].event)
    ('bad', 3)
    """

    name: str
    valence: str
    event: tuple
    consequence: tuple
    ending: tuple


SETUPS = _pairs(
    (
        "{a_c} and {a_f} [are|were] friends {place}.",
        "{un_c} et {un_f} [sont|étaient] {friends} {place}.",
    ),
    (
        "{a_c} and {a_f} [play|played] {place} every day.",
        "{un_c} et {un_f} [jouent|jouaient] {place} tous les jours.",
    ),
    (
        "{a_c} [lives|lived] {place} with {a_f}.",
        "{un_c} [vit|vivait] {place} avec {un_f}.",
    ),
)

REACTIONS = {
    "bad": _pairs(
        ("{the_c} [is|was] not happy.", "{le_c} n'[est|était] pas content{e_c}."),
        ("{the_c} [does|did] not feel good.", "{le_c} ne [se sent|se sentait] pas bien."),
        ("{he} [sighs|sighed] sadly.", "{il} [soupire|soupirait] tristement."),
    ),
    "good": _pairs(
        ("{the_c} [is|was] very happy.", "{le_c} [est|était] très content{e_c}."),
        ("{he} [smiles|smiled] a lot.", "{il} [sourit|souriait] beaucoup."),
        ("What a great day for {the_c}!", "Quelle belle journée pour {le_c} !"),
    ),
}

FILLERS = {
    "neutral": _pairs(
        ("The sun [is|was] shining.", "Le soleil [brille|brillait]."),
        ("It [is|was] a quiet day.", "C'[est|était] une journée calme."),
        ("The wind [blows|blew] softly.", "Le vent [souffle|soufflait] doucement."),
        ("Time [goes|went] by slowly.", "Le temps [passe|passait] lentement."),
        ("The birds [sing|sang] in the sky.", "Les oiseaux [chantent|chantaient] dans le ciel."),
        ("The day [goes|went] on.", "La journée [continue|continuait]."),
    ),
    "descriptive": _pairs(
        ("{the_f} [is|was] there too.", "{le_f} [est|était] là aussi."),
        (
            "{the_c} and {the_f} [talk|talked] a little.",
            "{le_c} et {le_f} [parlent|ont parlé] un peu.",
        ),
        ("{the_c} [walks|walked] {place}.", "{le_c} [se promène|se promenait] {place}."),
    ),
}

_EVENT_LIST = (
    Event(
        "lose",
        "bad",
        _pairs(
            (
                "One day, {the_c} [loses|lost] {his} {color} {o}.",
                "Un jour, {le_c} [perd|a perdu] {son_o_color}.",
            ),
            (
                "{the_c} [cannot|could not] find {his} {color} {o} anymore.",
                "{le_c} ne [trouve|trouvait] plus {son_o_color}.",
            ),
            (
                "Suddenly, {the_c}'s {color} {o} [is|was] gone.",
                "Soudain, {le_o_color} {du_c} [disparaît|a disparu].",
            ),
        ),
        _pairs(
            (
                "{the_f} [helps|helped] {him} look for the {o}.",
                "{le_f} l'[aide|a aidé{e_c}] à chercher {le_o}.",
            ),
            (
                "They [look|looked] for the {o} everywhere.",
                "{ils} [cherchent|ont cherché] {le_o} partout.",
            ),
            (
                "{the_f} [searches|searched] for the {o} with {him}.",
                "{le_f} [cherche|a cherché] {le_o} avec {lui}.",
            ),
        ),
        _pairs(
            (
                "At last, they [find|found] the lost {o}.",
                "Enfin, {ils} [retrouvent|ont retrouvé] {le_o} perdu{e_o}.",
            ),
            (
                "In the end, the lost {o} [is|was] found.",
                "À la fin, {le_o} perdu{e_o} [est|a été] retrouvé{e_o}.",
            ),
            (
                "{the_c} [is|was] glad to have {his} {o} back.",
                "{le_c} [est|était] content{e_c} de retrouver {son_o}.",
            ),
        ),
    ),
    Event(
        "break",
        "bad",
        _pairs(
            (
                "One day, {the_c} [breaks|broke] {his} {color} {o}.",
                "Un jour, {le_c} [casse|a cassé] {son_o_color}.",
            ),
            (
                "{the_c} [drops|dropped] {his} {color} {o}, and it [breaks|broke].",
                "{le_c} [fait|a fait] tomber {son_o_color}, et {il_o} [se casse|s'est cassé{e_o}].",
            ),
            (
                "Oh no, {the_c}'s {color} {o} [breaks|broke] in two.",
                "Oh non, {le_o_color} {du_c} [se casse|s'est cassé{e_o}] en deux.",
            ),
        ),
        _pairs(
            (
                "{the_f} [fixes|fixed] the {o} for {him}.",
                "{le_f} [répare|a réparé] {le_o} pour {lui}.",
            ),
            ("{the_f} [brings|brought] some glue.", "{le_f} [apporte|a apporté] de la colle."),
            (
                "{the_f} [glues|glued] the pieces together.",
                "{le_f} [recolle|a recollé] les morceaux.",
            ),
        ),
        _pairs(
            (
                "Now the {o} [is|was] not broken anymore.",
                "Maintenant, {le_o} n'[est|était] plus cassé{e_o}.",
            ),
            (
                "In the end, the {o} [works|worked] again.",
                "À la fin, {le_o} [marche|marchait] de nouveau.",
            ),
            ("The {o} [is|was] as good as new.", "{le_o} [est|était] comme {neuf}."),
        ),
    ),
    Event(
        "dirty",
        "bad",
        _pairs(
            (
                "One day, {the_c} [drops|dropped] {his} {color} {o} in the mud.",
                "Un jour, {le_c} [fait|a fait] tomber {son_o_color} dans la boue.",
            ),
            (
                "{the_c}'s {color} {o} [falls|fell] in the mud.",
                "{le_o_color} {du_c} [tombe|est tombé{e_o}] dans la boue.",
            ),
            (
                "{the_c} [gets|got] mud all over {his} {color} {o}.",
                "{le_c} [met|a mis] de la boue partout sur {son_o_color}.",
            ),
        ),
        _pairs(
            (
                "{the_f} [helps|helped] {him} wash the {o}.",
                "{le_f} l'[aide|a aidé{e_c}] à laver {le_o}.",
            ),
            (
                "They [wash|washed] the {o} with soap.",
                "{ils} [lavent|ont lavé] {le_o} avec du savon.",
            ),
            ("{the_f} [brings|brought] some soap.", "{le_f} [apporte|a apporté] du savon."),
        ),
        _pairs(
            (
                "Now the {o} [is|was] clean again.",
                "Maintenant, {le_o} [est|était] de nouveau propre.",
            ),
            ("At last, the mud [is|was] gone.", "Enfin, la boue [disparaît|a disparu]."),
            ("The {o} [smells|smelled] good again.", "{le_o} [sent|sentait] bon de nouveau."),
        ),
    ),
    Event(
        "gift",
        "good",
        _pairs(
            (
                "One day, {the_f} [gives|gave] {the_c} a {color} {o}.",
                "Un jour, {le_f} [donne|a donné] {un_o_color} {au_c}.",
            ),
            (
                "{the_f} [brings|brought] a {color} {o} as a present for {the_c}.",
                "{le_f} [apporte|a apporté] {un_o_color} en cadeau pour {le_c}.",
            ),
            (
                "{the_c} [receives|received] a {color} {o} from {the_f}.",
                "{le_c} [reçoit|a reçu] {un_o_color} de la part {du_f}.",
            ),
        ),
        _pairs(
            ("{the_c} [says|said] thank you to {the_f}.", "{le_c} [dit|a dit] merci {au_f}."),
            (
                "{the_c} [opens|opened] the present with care.",
                "{le_c} [ouvre|a ouvert] le cadeau avec soin.",
            ),
            (
                "{the_c} [gives|gave] {the_f} a big hug.",
                "{le_c} [fait|a fait] un gros câlin {au_f}.",
            ),
        ),
        _pairs(
            (
                "{the_c} [loves|loved] the gift from {the_f}.",
                "{le_c} [adore|a adoré] le cadeau {du_f}.",
            ),
            ("It [is|was] the best present ever.", "C'[est|était] le plus beau cadeau du monde."),
            (
                "{the_c} [thanks|thanked] {the_f} again for the present.",
                "{le_c} [remercie|a remercié] encore {le_f} pour le cadeau.",
            ),
        ),
    ),
    Event(
        "wet",
        "bad",
        _pairs(
            (
                "One day, {the_c} [drops|dropped] {his} {color} {o} in the water.",
                "Un jour, {le_c} [fait|a fait] tomber {son_o_color} dans l'eau.",
            ),
            (
                "{the_c}'s {color} {o} [gets|got] all wet in the rain.",
                "{le_o_color} {du_c} [est|a été] tout{e_o} mouillé{e_o} par la pluie.",
            ),
            (
                "Splash! {the_c}'s {color} {o} [lands|landed] in a puddle.",
                "Plouf ! {le_o_color} {du_c} [tombe|est tombé{e_o}] dans une flaque.",
            ),
        ),
        _pairs(
            (
                "{the_f} [dries|dried] the {o} with a towel.",
                "{le_f} [sèche|a séché] {le_o} avec une serviette.",
            ),
            ("They [put|put] the {o} in the sun.", "{ils} [mettent|ont mis] {le_o} au soleil."),
            (
                "{the_f} [helps|helped] {him} dry the {o}.",
                "{le_f} l'[aide|a aidé{e_c}] à sécher {le_o}.",
            ),
        ),
        _pairs(
            ("Now the {o} [is|was] dry again.", "Maintenant, {le_o} [est|était] de nouveau {sec}."),
            (
                "Soon the {o} [is|was] not wet anymore.",
                "Bientôt, {le_o} n'[est|était] plus mouillé{e_o}.",
            ),
            (
                "After a while, the water [is|was] all gone.",
                "Après un moment, toute l'eau [est|était] partie.",
            ),
        ),
    ),
    Event(
        "hungry",
        "bad",
        _pairs(
            ("One day, {the_c} [is|was] very hungry.", "Un jour, {le_c} [a|avait] très faim."),
            (
                "{the_c}'s tummy [rumbles|rumbled] with hunger.",
                "Le ventre {du_c} [gargouille|gargouillait] de faim.",
            ),
            (
                "{the_c} [has|had] not eaten all day.",
                "{le_c} n'[a|avait] rien mangé de la journée.",
            ),
        ),
        _pairs(
            (
                "{the_f} [cooks|cooked] some soup for {him}.",
                "{le_f} lui [prépare|a préparé] de la soupe.",
            ),
            (
                "{the_f} [shares|shared] {his_f} bread with {him}.",
                "{le_f} [partage|a partagé] son pain avec {lui}.",
            ),
            (
                "They [sit|sat] down together to eat.",
                "{ils} [s'assoient|se sont assis{es_cf}] ensemble pour manger.",
            ),
        ),
        _pairs(
            (
                "After the meal, {the_c} [is|was] not hungry anymore.",
                "Après le repas, {le_c} n'[a|avait] plus faim.",
            ),
            (
                "{the_c} [eats|ate] until {he} [is|was] full.",
                "{le_c} [mange|a mangé] jusqu'à ne plus avoir faim.",
            ),
            (
                "Now {the_c}'s tummy [is|was] full.",
                "Maintenant, le ventre {du_c} [est|était] plein.",
            ),
        ),
    ),
    Event(
        "cold",
        "bad",
        _pairs(
            ("One day, {the_c} [is|was] very cold.", "Un jour, {le_c} [a|avait] très froid."),
            (
                "{the_c} [shivers|shivered] in the cold wind.",
                "{le_c} [tremble|tremblait] dans le vent froid.",
            ),
            (
                "The night [is|was] cold, and {the_c} [is|was] freezing.",
                "La nuit [est|était] froide, et {le_c} [gèle|gelait].",
            ),
        ),
        _pairs(
            ("{the_f} [lights|lit] a big fire.", "{le_f} [allume|a allumé] un grand feu."),
            (
                "{the_f} [gives|gave] {him} a warm blanket.",
                "{le_f} lui [donne|a donné] une couverture chaude.",
            ),
            (
                "They [sit|sat] close to the fire.",
                "{ils} [s'assoient|se sont assis{es_cf}] près du feu.",
            ),
        ),
        _pairs(
            ("Soon {the_c} [is|was] not cold anymore.", "Bientôt, {le_c} n'[a|avait] plus froid."),
            ("{the_c} [stops|stopped] shivering.", "{le_c} [arrête|a arrêté] de trembler."),
            (
                "At last, {the_c} [feels|felt] warm and cosy.",
                "Enfin, {le_c} [se sent|se sentait] bien au chaud.",
            ),
        ),
    ),
    Event(
        "tired",
        "bad",
        _pairs(
            (
                "One day, {the_c} [is|was] very tired.",
                "Un jour, {le_c} [est|était] très fatigué{e_c}.",
            ),
            ("{the_c} [yawns|yawned] again and again.", "{le_c} [bâille|bâillait] sans arrêt."),
            (
                "{the_c} [has|had] played all day and [is|was] sleepy.",
                "{le_c} [a|avait] joué toute la journée et [a|avait] sommeil.",
            ),
        ),
        _pairs(
            (
                "{the_f} [makes|made] a soft bed for {him}.",
                "{le_f} lui [prépare|a préparé] un lit tout doux.",
            ),
            ("{the_f} [sings|sang] a quiet song.", "{le_f} [chante|a chanté] une douce chanson."),
            ("{the_f} [turns|turned] off the light.", "{le_f} [éteint|a éteint] la lumière."),
        ),
        _pairs(
            ("{the_c} [sleeps|slept] well all night.", "{le_c} [dort|a dormi] bien toute la nuit."),
            (
                "In the morning, {the_c} [is|was] full of energy.",
                "Le matin, {le_c} [est|était] plein{e_c} d'énergie.",
            ),
            (
                "After a long nap, {the_c} [is|was] not tired anymore.",
                "Après une longue sieste, {le_c} n'[est|était] plus fatigué{e_c}.",
            ),
        ),
    ),
    Event(
        "hurt",
        "bad",
        _pairs(
            (
                "One day, {the_c} [falls|fell] and [hurts|hurt] {his} knee.",
                "Un jour, {le_c} [tombe|est tombé{e_c}] et [se blesse|s'est blessé{e_c}] au genou.",
            ),
            ("{the_c} [bumps|bumped] {his} head.", "{le_c} [se cogne|s'est cogné] la tête."),
            ("{the_c}'s leg [hurts|hurt] a lot.", "{le_c} [a|avait] très mal à la jambe."),
        ),
        _pairs(
            ("{the_f} [puts|put] a bandage on it.", "{le_f} [met|a mis] un pansement."),
            ("{the_f} [calls|called] the doctor.", "{le_f} [appelle|a appelé] le docteur."),
            (
                "{the_f} [helps|helped] {him} walk home.",
                "{le_f} l'[aide|a aidé{e_c}] à rentrer à la maison.",
            ),
        ),
        _pairs(
            (
                "A few days later, {the_c} [is|was] healed.",
                "Quelques jours plus tard, {le_c} [est|était] guéri{e_c}.",
            ),
            ("Soon {the_c} [feels|felt] no more pain.", "Bientôt, {le_c} n'[a|avait] plus mal."),
            (
                "{the_c} [can|could] run and jump again.",
                "{le_c} [peut|pouvait] de nouveau courir et sauter.",
            ),
        ),
    ),
    Event(
        "afraid",
        "bad",
        _pairs(
            (
                "One night, {the_c} [hears|heard] a strange noise.",
                "Une nuit, {le_c} [entend|a entendu] un bruit étrange.",
            ),
            ("{the_c} [is|was] afraid of the dark.", "{le_c} [a|avait] peur du noir."),
            ("A big storm [scares|scared] {the_c}.", "Un gros orage [fait|a fait] peur {au_c}."),
        ),
        _pairs(
            ("{the_f} [holds|held] {his} hand.", "{le_f} lui [tient|a tenu] la main."),
            ("{the_f} [turns|turned] on a lamp.", "{le_f} [allume|a allumé] une lampe."),
            (
                "{the_f} [tells|told] {him} a funny story.",
                "{le_f} lui [raconte|a raconté] une histoire drôle.",
            ),
        ),
        _pairs(
            ("Soon {the_c} [is|was] not afraid anymore.", "Bientôt, {le_c} n'[a|avait] plus peur."),
            (
                "{the_c} [feels|felt] brave again.",
                "{le_c} [se sent|se sentait] de nouveau {courageux}.",
            ),
            ("{the_c} [laughs|laughed] at {his} fear.", "{le_c} [rit|riait] de sa peur."),
        ),
    ),
    Event(
        "astray",
        "bad",
        _pairs(
            (
                "One day, {the_c} [gets|got] lost {place}.",
                "Un jour, {le_c} [se perd|s'est perdu{e_c}] {place}.",
            ),
            (
                "{the_c} [cannot|could not] find the way home.",
                "{le_c} ne [trouve|trouvait] plus le chemin de la maison.",
            ),
            (
                "{the_c} [walks|walked] too far and [is|was] lost.",
                "{le_c} [marche|a marché] trop loin et [est|était] perdu{e_c}.",
            ),
        ),
        _pairs(
            (
                "{the_f} [looks|looked] for {him} everywhere.",
                "{le_f} [{le_pron} cherche|l'a cherché{e_c}] partout.",
            ),
            ("{the_f} [calls|called] {his} name.", "{le_f} [crie|a crié] son nom."),
            ("{the_f} [follows|followed] {his} footprints.", "{le_f} [suit|a suivi] ses traces."),
        ),
        _pairs(
            (
                "At last, {the_c} [is|was] home safe.",
                "Enfin, {le_c} [est|était] de retour à la maison.",
            ),
            (
                "{the_f} [brings|brought] {him} back home.",
                "{le_f} [{le_pron} ramène|l'a ramené{e_c}] à la maison.",
            ),
            (
                "{the_c} [finds|found] the way home again.",
                "{le_c} [retrouve|a retrouvé] le chemin de la maison.",
            ),
        ),
    ),
    Event(
        "birthday",
        "good",
        _pairs(
            (
                "That day [is|was] {the_c}'s birthday.",
                "Ce jour-là, c'[est|était] l'anniversaire {du_c}.",
            ),
            ("{the_c} [turns|turned] five years old.", "{le_c} [fête|a fêté] ses cinq ans."),
            (
                "Everyone [wants|wanted] to celebrate {the_c}'s birthday.",
                "Tout le monde [veut|voulait] fêter l'anniversaire {du_c}.",
            ),
        ),
        _pairs(
            ("{the_f} [bakes|baked] a big cake.", "{le_f} [fait|a fait] un gros gâteau."),
            (
                "{the_f} [puts|put] candles on the cake.",
                "{le_f} [met|a mis] des bougies sur le gâteau.",
            ),
            (
                "All the friends [come|came] to the party.",
                "Tous les amis [viennent|sont venus] à la fête.",
            ),
        ),
        _pairs(
            ("{the_c} [blows|blew] out the candles.", "{le_c} [souffle|a soufflé] les bougies."),
            (
                "Everyone [sings|sang] happy birthday to {the_c}.",
                "Tout le monde [chante|a chanté] joyeux anniversaire {au_c}.",
            ),
            (
                "It [is|was] the best birthday ever.",
                "C'[est|était] le plus bel anniversaire du monde.",
            ),
        ),
    ),
    Event(
        "race",
        "good",
        _pairs(
            (
                "One day, {the_c} and {the_f} [run|ran] a race.",
                "Un jour, {le_c} et {le_f} [font|ont fait] une course.",
            ),
            (
                "{the_f} [challenges|challenged] {the_c} to a race.",
                "{le_f} [défie|a défié] {le_c} à la course.",
            ),
            (
                "{the_c} [wants|wanted] to race {the_f}.",
                "{le_c} [veut|voulait] faire la course avec {le_f}.",
            ),
        ),
        _pairs(
            (
                "{the_c} [trains|trained] every morning.",
                "{le_c} [s'entraîne|s'est entraîné{e_c}] chaque matin.",
            ),
            (
                "They [line|lined] up at the start.",
                "{ils} [se mettent|se sont mis{es_cf}] sur la ligne de départ.",
            ),
            (
                "{the_c} [runs|ran] as fast as {he} [can|could].",
                "{le_c} [court|a couru] aussi vite que possible.",
            ),
        ),
        _pairs(
            ("{the_c} [wins|won] the race.", "{le_c} [gagne|a gagné] la course."),
            (
                "{the_c} [crosses|crossed] the finish line first.",
                "{le_c} [franchit|a franchi] la ligne d'arrivée en premier.",
            ),
            (
                "{the_c} [gets|got] a medal for the race.",
                "{le_c} [reçoit|a reçu] une médaille pour la course.",
            ),
        ),
    ),
)
EVENTS = {event.name: event for event in _EVENT_LIST}
