"""The EN-FR word tables of the stories: topics, characters, objects, places, colours.

Each entry carries its English and French forms; French nouns carry their
grammatical gender, which drives articles (with elision and the contractions
``au``, ``du``), possessives and adjective agreement (:class:`Noun`,
:class:`Adjective`). The eight topics (:data:`TOPICS`) each have their own
characters, objects and places, so a story's topic can be read off its content
words; :data:`COLORS` vary the objects. The sentence templates that use these
words are in :mod:`speechbrain_xling.corpora.stories`.

Authors
 * speechbrain-xling authors 2026
"""

from dataclasses import dataclass

LANGUAGES = ("en", "fr")
# Vowel letters of EN and FR words (French elision, syllable counts).
VOWEL_LETTERS = "aeiouyàâéèêëîïôûù"


def check_language(lang):
    """Raises a ``ValueError`` unless ``lang`` is one of :data:`LANGUAGES`.

    Arguments
    ---------
    lang : str
        Language code.

    Example
    -------
    >>> check_language("fr")
    >>> check_language("de")
    Traceback (most recent call last):
    ...
    ValueError: Unknown language 'de'; expected one of ('en', 'fr')
    """
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}; expected one of {LANGUAGES}")


@dataclass(frozen=True)
class Noun:
    """A noun with its translation and French grammatical gender.

    Arguments
    ---------
    en : str
        English noun (without article).
    fr : str
        French noun (without article).
    gender : str
        ``"m"`` or ``"f"``: the French gender; for characters it also picks
        the English pronoun (he / she).

    Example
    -------
    >>> Noun("owl", "chouette", "f").fr_definite
    'la chouette'
    >>> Noun("bear", "ours", "m").fr_to_definite
    "à l'ours"
    """

    en: str
    fr: str
    gender: str

    def __post_init__(self):
        if self.gender not in ("m", "f"):
            raise ValueError(f"gender must be 'm' or 'f', got {self.gender!r}")

    @property
    def _elides(self):
        return self.fr[0] in VOWEL_LETTERS

    @property
    def en_indefinite(self):
        """``a hen``, ``an owl``."""
        article = "an" if self.en[0] in "aeiou" else "a"
        return f"{article} {self.en}"

    @property
    def fr_indefinite(self):
        """``un cochon``, ``une poule``."""
        return ("un " if self.gender == "m" else "une ") + self.fr

    @property
    def fr_definite(self):
        """``le cochon``, ``la poule``, ``l'ours``."""
        if self._elides:
            return "l'" + self.fr
        return ("le " if self.gender == "m" else "la ") + self.fr

    @property
    def fr_to_definite(self):
        """``au cochon``, ``à la poule``, ``à l'ours``."""
        if self.gender == "m" and not self._elides:
            return "au " + self.fr
        return "à " + self.fr_definite

    @property
    def fr_of_definite(self):
        """``du cochon``, ``de la poule``, ``de l'ours``."""
        if self.gender == "m" and not self._elides:
            return "du " + self.fr
        return "de " + self.fr_definite

    @property
    def fr_possessive_determiner(self):
        """``son`` (masculine or vowel-initial) or ``sa``."""
        return "son" if self.gender == "m" or self._elides else "sa"

    @property
    def fr_possessive(self):
        """``son seau``, ``sa cloche``, ``son écharpe``."""
        return f"{self.fr_possessive_determiner} {self.fr}"


@dataclass(frozen=True)
class Adjective:
    """An adjective with its English form and French masc./fem. forms.

    Example
    -------
    >>> Adjective("white", "blanc", "blanche").fr_form("f")
    'blanche'
    """

    en: str
    fr_masculine: str
    fr_feminine: str

    def fr_form(self, gender):
        """The French form agreeing with ``gender`` (``"m"`` or ``"f"``)."""
        return self.fr_masculine if gender == "m" else self.fr_feminine


@dataclass(frozen=True)
class Place:
    """A place as a full prepositional phrase in each language.

    Example
    -------
    >>> Place("in the barn", "dans la grange").fr
    'dans la grange'
    """

    en: str
    fr: str


@dataclass(frozen=True)
class Topic:
    """One topic: its characters, objects and places.

    Example
    -------
    >>> TOPICS["sea"].characters[0].en
    'fish'
    """

    name: str
    characters: tuple
    objects: tuple
    places: tuple


def _nouns(*entries):
    return tuple(Noun(*entry) for entry in entries)


def _places(*entries):
    return tuple(Place(*entry) for entry in entries)


TOPICS = {
    topic.name: topic
    for topic in (
        Topic(
            "farm",
            _nouns(
                ("hen", "poule", "f"),
                ("pig", "cochon", "m"),
                ("cow", "vache", "f"),
                ("duck", "canard", "m"),
                ("goat", "chèvre", "f"),
            ),
            _nouns(
                ("bucket", "seau", "m"),
                ("basket", "panier", "m"),
                ("bell", "cloche", "f"),
                ("rope", "corde", "f"),
                ("hat", "chapeau", "m"),
            ),
            _places(
                ("on the farm", "à la ferme"),
                ("in the barn", "dans la grange"),
                ("near the pond", "près de la mare"),
                ("in the field", "dans le champ"),
            ),
        ),
        Topic(
            "sea",
            _nouns(
                ("fish", "poisson", "m"),
                ("crab", "crabe", "m"),
                ("whale", "baleine", "f"),
                ("turtle", "tortue", "f"),
                ("seal", "phoque", "m"),
            ),
            _nouns(
                ("shell", "coquillage", "m"),
                ("pearl", "perle", "f"),
                ("boat", "bateau", "m"),
                ("net", "filet", "m"),
                ("bottle", "bouteille", "f"),
            ),
            _places(
                ("by the sea", "au bord de la mer"),
                ("on the beach", "sur la plage"),
                ("near the rocks", "près des rochers"),
                ("on the island", "sur l'île"),
            ),
        ),
        Topic(
            "forest",
            _nouns(
                ("fox", "renard", "m"),
                ("owl", "chouette", "f"),
                ("rabbit", "lapin", "m"),
                ("bear", "ours", "m"),
                ("squirrel", "écureuil", "m"),
            ),
            _nouns(
                ("lantern", "lanterne", "f"),
                ("flute", "flûte", "f"),
                ("pine cone", "pomme de pin", "f"),
                ("backpack", "sac à dos", "m"),
                ("whistle", "sifflet", "m"),
            ),
            _places(
                ("in the forest", "dans la forêt"),
                ("near the oak", "près du chêne"),
                ("near the river", "près de la rivière"),
                ("in a cave", "dans une grotte"),
            ),
        ),
        Topic(
            "school",
            _nouns(
                ("boy", "garçon", "m"),
                ("girl", "fille", "f"),
                ("teacher", "maîtresse", "f"),
                ("headmaster", "directeur", "m"),
                ("pupil", "écolier", "m"),
            ),
            _nouns(
                ("pencil", "crayon", "m"),
                ("book", "livre", "m"),
                ("ruler", "règle", "f"),
                ("schoolbag", "cartable", "m"),
                ("eraser", "gomme", "f"),
            ),
            _places(
                ("at school", "à l'école"),
                ("in the classroom", "dans la classe"),
                ("in the playground", "dans la cour"),
                ("in the library", "à la bibliothèque"),
            ),
        ),
        Topic(
            "kitchen",
            _nouns(
                ("cook", "cuisinier", "m"),
                ("grandma", "grand-mère", "f"),
                ("grandpa", "grand-père", "m"),
                ("cat", "chat", "m"),
                ("mouse", "souris", "f"),
            ),
            _nouns(
                ("spoon", "cuillère", "f"),
                ("cup", "tasse", "f"),
                ("plate", "assiette", "f"),
                ("bowl", "bol", "m"),
                ("saucepan", "casserole", "f"),
            ),
            _places(
                ("in the kitchen", "dans la cuisine"),
                ("near the oven", "près du four"),
                ("near the table", "près de la table"),
                ("by the sink", "près de l'évier"),
            ),
        ),
        Topic(
            "space",
            _nouns(
                ("robot", "robot", "m"),
                ("astronaut", "astronaute", "f"),
                ("martian", "martien", "m"),
                ("pilot", "pilote", "m"),
                ("scientist", "scientifique", "f"),
            ),
            _nouns(
                ("helmet", "casque", "m"),
                ("telescope", "télescope", "m"),
                ("radio", "radio", "f"),
                ("moon rock", "pierre de lune", "f"),
                ("antenna", "antenne", "f"),
            ),
            _places(
                ("on the moon", "sur la lune"),
                ("in the rocket", "dans la fusée"),
                ("on a small planet", "sur une petite planète"),
                ("near the stars", "près des étoiles"),
            ),
        ),
        Topic(
            "city",
            _nouns(
                ("dog", "chien", "m"),
                ("pigeon", "pigeon", "m"),
                ("police officer", "policière", "f"),
                ("bus driver", "chauffeur", "m"),
                ("baker", "boulangère", "f"),
            ),
            _nouns(
                ("umbrella", "parapluie", "m"),
                ("bike", "vélo", "m"),
                ("watch", "montre", "f"),
                ("ticket", "ticket", "m"),
                ("map", "plan", "m"),
            ),
            _places(
                ("in the city", "en ville"),
                ("in the park", "dans le parc"),
                ("near the station", "près de la gare"),
                ("on the bridge", "sur le pont"),
            ),
        ),
        Topic(
            "winter",
            _nouns(
                ("penguin", "pingouin", "m"),
                ("snowman", "bonhomme de neige", "m"),
                ("reindeer", "renne", "m"),
                ("skier", "skieuse", "f"),
                ("snow queen", "reine des neiges", "f"),
            ),
            _nouns(
                ("scarf", "écharpe", "f"),
                ("sled", "luge", "f"),
                ("mitten", "moufle", "f"),
                ("beanie", "bonnet", "m"),
                ("skate", "patin", "m"),
            ),
            _places(
                ("in the snow", "dans la neige"),
                ("on the ice", "sur la glace"),
                ("on the mountain", "sur la montagne"),
                ("near the igloo", "près de l'igloo"),
            ),
        ),
    )
}

COLORS = (
    Adjective("red", "rouge", "rouge"),
    Adjective("blue", "bleu", "bleue"),
    Adjective("green", "vert", "verte"),
    Adjective("yellow", "jaune", "jaune"),
    Adjective("black", "noir", "noire"),
    Adjective("white", "blanc", "blanche"),
)
