// Demo content: the Quito City Action Pledge of the 6th Mayoral Forum on Human Mobility, Migration
// and Development (Quito, January 2020), with its six action areas, in English, Spanish and French,
// and the review comments of the partner networks on the draft.
import type { GcrArea } from '../../lib/references.js';

export interface Localised {
  en: string;
  es?: string;
  fr?: string;
}

export interface SeedArea {
  /** Lowercase slug, stable across versions. */
  key: string;
  title: Localised;
  /** Two or three sentences. */
  description: Localised;
  /** Three or four concrete commitments a city can act on. */
  commitments: Localised[];
  /** Relevant GCM objectives, 1..23. */
  gcmObjectives: number[];
  /** Relevant GCR areas. */
  gcrAreas: GcrArea[];
  /** SDG targets, like '10.7'. */
  sdgTargets: string[];
}

export interface SeedComment {
  network: 'MMC' | 'Metropolis' | 'UCLG' | 'GPM';
  /** The area commented on; none for a general comment. */
  areaKey?: string;
  body: string;
  resolution: { status: 'accepted' | 'rejected' | 'noted'; response: string };
}

export const quitoPledge: {
  slug: 'quito-city-action-pledge';
  title: Localised;
  preamble: Localised;
  areas: SeedArea[];
  reviewComments: SeedComment[];
} = {
  slug: 'quito-city-action-pledge',
  title: {
    en: 'Quito City Action Pledge',
    es: 'Compromiso de Acción de las Ciudades de Quito',
    fr: 'Engagement d’action des villes de Quito',
  },
  preamble: {
    en: 'We, mayors and regional leaders gathered in Quito for the sixth Mayoral Forum on Human Mobility, Migration and Development, recall the Marrakesh Mayors Declaration of December 2018, in which our cities committed to help implement the Global Compact for Safe, Orderly and Regular Migration and the Global Compact on Refugees. Cities are where migrants, refugees and internally displaced people arrive, settle and build their lives, and where the promises of both Compacts are put to the test.\n\nWe therefore resolve to turn those commitments into local action. Each city and region may endorse the action areas below individually or as a whole, according to its context, mandate and capacities, and will report on its progress, so that our collective contribution to the Compacts and to the 2030 Agenda for Sustainable Development is visible and verifiable.',
    es: 'Nosotros, alcaldes, alcaldesas y líderes regionales reunidos en Quito con ocasión del sexto Foro de Alcaldes sobre Movilidad Humana, Migración y Desarrollo, recordamos la Declaración de Alcaldes de Marrakech de diciembre de 2018, en la que nuestras ciudades se comprometieron a contribuir a la implementación del Pacto Mundial para la Migración Segura, Ordenada y Regular y del Pacto Mundial sobre los Refugiados. Es en las ciudades donde las personas migrantes, refugiadas y desplazadas internas llegan, se establecen y construyen su vida, y donde se ponen a prueba las promesas de ambos Pactos.\n\nPor ello, decidimos traducir esos compromisos en acción local. Cada ciudad y región puede suscribir las áreas de acción que siguen de forma individual o en su conjunto, según su contexto, su mandato y sus capacidades, e informará sobre sus avances, para que nuestra contribución colectiva a los Pactos y a la Agenda 2030 para el Desarrollo Sostenible sea visible y verificable.',
    fr: 'Nous, maires et responsables régionaux réunis à Quito à l’occasion du sixième Forum des maires sur la mobilité humaine, les migrations et le développement, rappelons la Déclaration des maires de Marrakech de décembre 2018, par laquelle nos villes se sont engagées à contribuer à la mise en œuvre du Pacte mondial pour des migrations sûres, ordonnées et régulières et du Pacte mondial sur les réfugiés. C’est dans les villes que les personnes migrantes, réfugiées et déplacées internes arrivent, s’installent et construisent leur vie, et c’est là que les promesses des deux Pactes sont mises à l’épreuve.\n\nNous décidons donc de traduire ces engagements en actions locales. Chaque ville et chaque région peut adhérer aux domaines d’action ci-dessous séparément ou dans leur ensemble, selon son contexte, son mandat et ses capacités, et rendra compte de ses progrès, afin que notre contribution collective aux Pactes et au Programme de développement durable à l’horizon 2030 soit visible et vérifiable.',
  },
  areas: [
    {
      key: 'migration-governance',
      title: { en: 'Migration governance', es: 'Gobernanza de la migración', fr: 'Gouvernance des migrations' },
      description: {
        en: 'Cities manage the daily realities of human mobility, often without a formal mandate or the resources to do so. We will build the institutions, data and partnerships that allow local governments to plan for migration and displacement and to take part in the national and international decisions that affect them.',
        es: 'Las ciudades gestionan a diario las realidades de la movilidad humana, a menudo sin un mandato formal ni los recursos necesarios para ello. Construiremos las instituciones, los datos y las alianzas que permitan a los gobiernos locales planificar la migración y el desplazamiento y participar en las decisiones nacionales e internacionales que les afectan.',
        fr: 'Les villes gèrent au quotidien les réalités de la mobilité humaine, souvent sans mandat formel ni les moyens nécessaires. Nous mettrons en place les institutions, les données et les partenariats qui permettent aux collectivités locales d’anticiper les migrations et les déplacements et de participer aux décisions nationales et internationales qui les concernent.',
      },
      commitments: [
        {
          en: 'Include migrants and refugees in local development plans and budgets, with a dedicated municipal office or focal point for human mobility.',
          es: 'Incluir a las personas migrantes y refugiadas en los planes de desarrollo y los presupuestos locales, con una oficina municipal o un punto focal dedicado a la movilidad humana.',
          fr: 'Intégrer les personnes migrantes et réfugiées dans les plans de développement et les budgets locaux, avec un bureau municipal ou un point focal consacré à la mobilité humaine.',
        },
        {
          en: 'Collect local data on human mobility, disaggregated by sex, age and migration status, and publish it in aggregate form while protecting personal data.',
          es: 'Recopilar datos locales sobre movilidad humana, desglosados por sexo, edad y situación migratoria, y publicarlos de forma agregada, protegiendo los datos personales.',
          fr: 'Collecter des données locales sur la mobilité humaine, ventilées par sexe, âge et statut migratoire, et les publier sous forme agrégée, dans le respect de la protection des données personnelles.',
        },
        {
          en: 'Set up a standing coordination mechanism with national authorities, UN agencies, civil society and organisations led by migrants and refugees.',
          es: 'Establecer un mecanismo permanente de coordinación con las autoridades nacionales, las agencias de las Naciones Unidas, la sociedad civil y las organizaciones lideradas por personas migrantes y refugiadas.',
          fr: 'Mettre en place un mécanisme permanent de coordination avec les autorités nationales, les agences des Nations Unies, la société civile et les organisations dirigées par des personnes migrantes et réfugiées.',
        },
        {
          en: 'Share local practice through city networks and report on local implementation to the International Migration Review Forum and the Global Refugee Forum.',
          es: 'Compartir prácticas locales a través de las redes de ciudades e informar sobre la implementación local al Foro de Examen de la Migración Internacional y al Foro Mundial sobre los Refugiados.',
          fr: 'Partager les pratiques locales au sein des réseaux de villes et rendre compte de la mise en œuvre locale au Forum d’examen des migrations internationales et au Forum mondial sur les réfugiés.',
        },
      ],
      gcmObjectives: [1, 3, 23],
      gcrAreas: ['reception-and-admission'],
      sdgTargets: ['10.7', '11.3', '16.7', '17.18'],
    },
    {
      key: 'economic-opportunity',
      title: { en: 'Economic opportunity', es: 'Oportunidades económicas', fr: 'Opportunités économiques' },
      description: {
        en: 'Migrants and refugees bring skills, enterprise and ties to other markets, yet they are often kept out of decent work. We will open local labour markets and business support services to them, so that their work benefits both them and the communities that receive them.',
        es: 'Las personas migrantes y refugiadas aportan competencias, iniciativa empresarial y vínculos con otros mercados, pero a menudo quedan excluidas del trabajo decente. Les abriremos los mercados laborales locales y los servicios de apoyo empresarial, para que su trabajo beneficie tanto a ellas como a las comunidades que las acogen.',
        fr: 'Les personnes migrantes et réfugiées apportent des compétences, un esprit d’entreprise et des liens avec d’autres marchés, mais restent souvent exclues du travail décent. Nous leur ouvrirons les marchés du travail locaux et les dispositifs d’appui aux entreprises, afin que leur travail leur profite autant qu’aux communautés qui les accueillent.',
      },
      commitments: [
        {
          en: 'Recognise the qualifications and experience of migrants and refugees in municipal hiring, and work with national authorities and employers towards faster recognition of skills.',
          es: 'Reconocer las titulaciones y la experiencia de las personas migrantes y refugiadas en la contratación municipal, y trabajar con las autoridades nacionales y los empleadores para agilizar el reconocimiento de competencias.',
          fr: 'Reconnaître les qualifications et l’expérience des personnes migrantes et réfugiées dans les recrutements municipaux, et œuvrer avec les autorités nationales et les employeurs à une reconnaissance plus rapide des compétences.',
        },
        {
          en: 'Open municipal employment services, vocational training and language courses to all migrants and refugees, including those whose residence or asylum applications are pending.',
          es: 'Abrir los servicios municipales de empleo, la formación profesional y los cursos de idiomas a todas las personas migrantes y refugiadas, incluidas aquellas cuyas solicitudes de residencia o de asilo están en trámite.',
          fr: 'Ouvrir les services municipaux de l’emploi, la formation professionnelle et les cours de langue à toutes les personnes migrantes et réfugiées, y compris celles dont la demande de séjour ou d’asile est en cours d’examen.',
        },
        {
          en: 'Support migrant and refugee entrepreneurs with business registration, microcredit and access to municipal markets and public procurement.',
          es: 'Apoyar a las personas emprendedoras migrantes y refugiadas con el registro de empresas, el microcrédito y el acceso a los mercados municipales y a la contratación pública.',
          fr: 'Soutenir les entrepreneurs migrants et réfugiés par une aide à l’immatriculation des entreprises, le microcrédit et l’accès aux marchés municipaux et à la commande publique.',
        },
        {
          en: 'Promote the financial inclusion of migrants and refugees, including access to bank accounts and lower-cost remittance services, together with local banks and cooperatives.',
          es: 'Promover la inclusión financiera de las personas migrantes y refugiadas, incluido el acceso a cuentas bancarias y a servicios de remesas de menor costo, junto con los bancos y las cooperativas locales.',
          fr: 'Favoriser l’inclusion financière des personnes migrantes et réfugiées, notamment l’accès à un compte bancaire et à des services de transfert de fonds moins coûteux, avec les banques et les coopératives locales.',
        },
      ],
      gcmObjectives: [6, 18, 19, 20],
      gcrAreas: ['jobs-and-livelihoods', 'local-integration'],
      sdgTargets: ['4.4', '8.5', '8.8', '8.10', '10.7', '10.c'],
    },
    {
      key: 'climate-resilience',
      title: { en: 'Climate resilience', es: 'Resiliencia climática', fr: 'Résilience climatique' },
      description: {
        en: 'Climate change and disasters are already driving people from rural areas and small towns into larger cities, often into informal settlements exposed to floods, landslides and heatwaves. We will plan for climate-related mobility and make sure that newcomers and the communities hosting them are protected by local adaptation and risk reduction measures.',
        es: 'El cambio climático y los desastres ya están empujando a personas de las zonas rurales y de los pueblos hacia las grandes ciudades, a menudo a asentamientos informales expuestos a inundaciones, deslizamientos de tierra y olas de calor. Planificaremos la movilidad vinculada al clima y velaremos por que las personas recién llegadas y las comunidades que las acogen estén protegidas por las medidas locales de adaptación y de reducción del riesgo.',
        fr: 'Le changement climatique et les catastrophes poussent déjà des habitants des zones rurales et des petites villes vers les grandes villes, souvent dans des quartiers informels exposés aux inondations, aux glissements de terrain et aux vagues de chaleur. Nous anticiperons la mobilité liée au climat et veillerons à ce que les nouveaux arrivants et les communautés qui les accueillent soient protégés par les mesures locales d’adaptation et de réduction des risques.',
      },
      commitments: [
        {
          en: 'Integrate human mobility into local climate adaptation plans and disaster risk reduction strategies.',
          es: 'Integrar la movilidad humana en los planes locales de adaptación al cambio climático y en las estrategias de reducción del riesgo de desastres.',
          fr: 'Intégrer la mobilité humaine dans les plans locaux d’adaptation au changement climatique et dans les stratégies de réduction des risques de catastrophe.',
        },
        {
          en: 'Map the neighbourhoods where displaced and newly arrived people live, assess their exposure to climate hazards and give them priority in investment in resilient infrastructure.',
          es: 'Mapear los barrios donde viven las personas desplazadas y recién llegadas, evaluar su exposición a las amenazas climáticas y darles prioridad en la inversión en infraestructura resiliente.',
          fr: 'Cartographier les quartiers où vivent les personnes déplacées et nouvellement arrivées, évaluer leur exposition aux aléas climatiques et leur accorder la priorité dans les investissements en infrastructures résilientes.',
        },
        {
          en: 'Make early warnings, evacuation plans and emergency shelters accessible to everyone in the city, in the languages people speak and regardless of migration status.',
          es: 'Garantizar que las alertas tempranas, los planes de evacuación y los albergues de emergencia sean accesibles para todas las personas de la ciudad, en los idiomas que hablan y sin importar su situación migratoria.',
          fr: 'Rendre les alertes précoces, les plans d’évacuation et les abris d’urgence accessibles à toute personne vivant dans la ville, dans les langues qu’elle parle et quel que soit son statut migratoire.',
        },
        {
          en: 'Include migrants and refugees in green jobs programmes and in the design of a just transition for the city.',
          es: 'Incluir a las personas migrantes y refugiadas en los programas de empleos verdes y en el diseño de una transición justa para la ciudad.',
          fr: 'Inclure les personnes migrantes et réfugiées dans les programmes d’emplois verts et dans la conception d’une transition juste pour la ville.',
        },
      ],
      gcmObjectives: [2, 7, 23],
      gcrAreas: ['accommodation-energy-and-natural-resource-management', 'meeting-needs-and-supporting-communities'],
      sdgTargets: ['1.5', '11.5', '11.b', '13.1', '13.2'],
    },
    {
      key: 'access-to-essential-services',
      title: {
        en: 'Access to essential services',
        es: 'Acceso a servicios esenciales',
        fr: 'Accès aux services essentiels',
      },
      description: {
        en: 'No one should be denied health care, schooling, shelter or justice because of where they come from or which papers they hold. We will remove the administrative, linguistic and financial barriers that keep migrants and refugees from the services the city provides or oversees.',
        es: 'A nadie se le debería negar la atención de salud, la educación, la vivienda o el acceso a la justicia por su lugar de origen o por los documentos que posee. Eliminaremos las barreras administrativas, lingüísticas y económicas que impiden a las personas migrantes y refugiadas acceder a los servicios que la ciudad presta o supervisa.',
        fr: 'Nul ne devrait se voir refuser des soins, une scolarité, un logement ou l’accès à la justice en raison de son origine ou des papiers qu’il détient. Nous lèverons les obstacles administratifs, linguistiques et financiers qui empêchent les personnes migrantes et réfugiées d’accéder aux services que la ville fournit ou supervise.',
      },
      commitments: [
        {
          en: 'Ensure access to health, education and housing regardless of migration status.',
          es: 'Garantizar el acceso a la salud, la educación y la vivienda independientemente de la situación migratoria.',
          fr: 'Garantir l’accès à la santé, à l’éducation et au logement, indépendamment du statut migratoire.',
        },
        {
          en: 'Issue a municipal identity or residence card that gives access to city services, and keep service provision separate from immigration enforcement.',
          es: 'Emitir una tarjeta municipal de identidad o de residencia que dé acceso a los servicios de la ciudad, y mantener la prestación de servicios separada del control migratorio.',
          fr: 'Délivrer une carte municipale d’identité ou de résidence donnant accès aux services de la ville, et maintenir la prestation de services séparée du contrôle de l’immigration.',
        },
        {
          en: 'Provide information, interpretation and orientation in the main languages of newcomers, at one-stop centres and online.',
          es: 'Ofrecer información, interpretación y orientación en los principales idiomas de las personas recién llegadas, en centros de atención integral y en línea.',
          fr: 'Proposer information, interprétation et orientation dans les principales langues des nouveaux arrivants, dans des guichets uniques et en ligne.',
        },
        {
          en: 'Train front-line municipal staff in the rights of migrants and refugees and in service delivery that is sensitive to culture and gender.',
          es: 'Formar al personal municipal de primera línea en los derechos de las personas migrantes y refugiadas y en la atención con enfoque intercultural y de género.',
          fr: 'Former le personnel municipal de première ligne aux droits des personnes migrantes et réfugiées et à un accueil attentif aux dimensions culturelles et de genre.',
        },
      ],
      gcmObjectives: [3, 4, 15],
      gcrAreas: ['education', 'health', 'civil-registries', 'meeting-needs-and-supporting-communities'],
      sdgTargets: ['1.4', '3.8', '4.1', '11.1', '16.9'],
    },
    {
      key: 'inclusion-and-social-cohesion',
      title: {
        en: 'Inclusion and social cohesion',
        es: 'Inclusión y cohesión social',
        fr: 'Inclusion et cohésion sociale',
      },
      description: {
        en: 'Cities thrive when newcomers and long-standing residents share public life on equal terms. We will eliminate all forms of discrimination in municipal action, counter xenophobia with facts and shared experience, and give migrants and refugees a voice in the decisions of their city.',
        es: 'Las ciudades prosperan cuando las personas recién llegadas y los residentes de siempre comparten la vida pública en igualdad de condiciones. Eliminaremos toda forma de discriminación en la acción municipal, combatiremos la xenofobia con datos y experiencias compartidas, y daremos voz a las personas migrantes y refugiadas en las decisiones de su ciudad.',
        fr: 'Les villes prospèrent lorsque les nouveaux arrivants et les habitants de longue date partagent la vie publique sur un pied d’égalité. Nous éliminerons toute forme de discrimination dans l’action municipale, combattrons la xénophobie par les faits et les expériences partagées, et donnerons aux personnes migrantes et réfugiées une voix dans les décisions de leur ville.',
      },
      commitments: [
        {
          en: 'Create an advisory council of migrants and refugees, or open existing participatory bodies to them, so that newcomers take part in local decision-making.',
          es: 'Crear un consejo consultivo de personas migrantes y refugiadas, o abrirles los espacios de participación existentes, para que las personas recién llegadas participen en la toma de decisiones local.',
          fr: 'Créer un conseil consultatif des personnes migrantes et réfugiées, ou leur ouvrir les instances participatives existantes, afin que les nouveaux arrivants prennent part aux décisions locales.',
        },
        {
          en: 'Run public campaigns against xenophobia and discrimination, and set up an accessible channel to report hate incidents and discriminatory treatment.',
          es: 'Llevar a cabo campañas públicas contra la xenofobia y la discriminación, y habilitar un canal accesible para denunciar incidentes de odio y tratos discriminatorios.',
          fr: 'Mener des campagnes publiques contre la xénophobie et les discriminations, et mettre en place un dispositif accessible de signalement des actes haineux et des traitements discriminatoires.',
        },
        {
          en: 'Support neighbourhood, cultural and sports activities that bring newcomers and host communities together.',
          es: 'Apoyar actividades barriales, culturales y deportivas que acerquen a las personas recién llegadas y a las comunidades de acogida.',
          fr: 'Soutenir des activités de quartier, culturelles et sportives qui rapprochent les nouveaux arrivants et les communautés d’accueil.',
        },
        {
          en: 'Review municipal regulations and services for discriminatory effects, and correct those found.',
          es: 'Revisar las normas y los servicios municipales para detectar efectos discriminatorios y corregir los que se encuentren.',
          fr: 'Examiner les réglementations et les services municipaux afin d’en repérer les effets discriminatoires et d’y remédier.',
        },
      ],
      gcmObjectives: [16, 17],
      gcrAreas: ['fostering-good-relations-and-peaceful-coexistence', 'local-integration'],
      sdgTargets: ['10.2', '10.3', '11.7', '16.7', '16.b'],
    },
    {
      key: 'vulnerable-groups',
      title: {
        en: 'Vulnerable groups',
        es: 'Grupos en situación de vulnerabilidad',
        fr: 'Groupes en situation de vulnérabilité',
      },
      description: {
        en: 'Unaccompanied children, women at risk of violence, survivors of trafficking, older people, people with disabilities and stateless people face particular dangers in transit and on arrival. We will address their special needs and reduce their vulnerabilities through coordinated local protection services.',
        es: 'Los niños, niñas y adolescentes no acompañados, las mujeres en riesgo de violencia, las personas sobrevivientes de trata, las personas mayores, las personas con discapacidad y las personas apátridas enfrentan riesgos particulares durante el tránsito y a su llegada. Atenderemos sus necesidades específicas y reduciremos su vulnerabilidad mediante servicios locales de protección coordinados.',
        fr: 'Les enfants non accompagnés, les femmes exposées aux violences, les victimes de la traite des êtres humains, les personnes âgées, les personnes handicapées et les personnes apatrides courent des risques particuliers pendant leur parcours et à leur arrivée. Nous répondrons à leurs besoins particuliers et réduirons leur vulnérabilité grâce à des services locaux de protection coordonnés.',
      },
      commitments: [
        {
          en: 'Provide safe shelter and case management for unaccompanied and separated children, with their best interests as a primary consideration.',
          es: 'Ofrecer alojamiento seguro y gestión de casos a niños, niñas y adolescentes no acompañados y separados, con su interés superior como consideración primordial.',
          fr: 'Offrir un hébergement sûr et un suivi individualisé aux enfants non accompagnés et séparés, leur intérêt supérieur étant une considération primordiale.',
        },
        {
          en: 'Ensure that survivors of gender-based violence and trafficking can use municipal protection services and shelters without fear of being reported to immigration authorities.',
          es: 'Garantizar que las personas sobrevivientes de violencia de género y de trata puedan acudir a los servicios municipales de protección y a los albergues sin temor a ser denunciadas ante las autoridades migratorias.',
          fr: 'Veiller à ce que les victimes de violences fondées sur le genre et de la traite puissent recourir aux services municipaux de protection et aux centres d’hébergement sans craindre d’être signalées aux autorités de l’immigration.',
        },
        {
          en: 'Set up referral pathways between municipal services, national authorities, UNHCR, IOM and civil society for people with specific protection needs.',
          es: 'Establecer rutas de derivación entre los servicios municipales, las autoridades nacionales, el ACNUR, la OIM y la sociedad civil para las personas con necesidades específicas de protección.',
          fr: 'Établir des circuits d’orientation entre les services municipaux, les autorités nationales, le HCR, l’OIM et la société civile pour les personnes ayant des besoins spécifiques de protection.',
        },
        {
          en: 'Offer community-based alternatives to immigration detention, especially for children and families, and help people at risk of statelessness to register births and obtain identity documents.',
          es: 'Ofrecer alternativas comunitarias a la detención migratoria, en especial para niños, niñas, adolescentes y familias, y ayudar a las personas en riesgo de apatridia a inscribir los nacimientos y obtener documentos de identidad.',
          fr: 'Proposer des alternatives à la rétention administrative ancrées dans la communauté, en particulier pour les enfants et les familles, et aider les personnes exposées au risque d’apatridie à faire enregistrer les naissances et à obtenir des pièces d’identité.',
        },
      ],
      gcmObjectives: [4, 7, 10, 13],
      gcrAreas: ['women-and-girls', 'children-adolescents-and-youth', 'civil-registries', 'statelessness'],
      sdgTargets: ['5.2', '8.7', '10.7', '16.2', '16.9'],
    },
  ],
  reviewComments: [
    {
      network: 'MMC',
      body: 'The preamble should say plainly that a city can endorse individual action areas and not only the pledge as a whole. Several of our member cities have no mandate for some of these areas and would otherwise not sign at all.',
      resolution: {
        status: 'accepted',
        response:
          'Accepted. The second paragraph of the preamble now states that each city and region may endorse the action areas individually or as a whole, according to its context, mandate and capacities.',
      },
    },
    {
      network: 'GPM',
      body: 'Please connect the pledge to the 2030 Agenda, so that cities can report on it through the local SDG reporting they already do, including voluntary local reviews.',
      resolution: {
        status: 'accepted',
        response:
          'Accepted. The preamble now refers to the 2030 Agenda for Sustainable Development, and every action area lists the SDG targets it contributes to.',
      },
    },
    {
      network: 'MMC',
      areaKey: 'economic-opportunity',
      body: 'Recognition of foreign qualifications is mostly a national competence. The commitment should focus on what cities control, such as municipal hiring, while still encouraging national recognition schemes.',
      resolution: {
        status: 'accepted',
        response:
          'Accepted. The commitment now covers recognition in municipal hiring, and cooperation with national authorities and employers towards faster recognition of skills.',
      },
    },
    {
      network: 'UCLG',
      areaKey: 'climate-resilience',
      body: 'The draft speaks only of cross-border migration. In many of our member cities, the people who arrive after floods and droughts are nationals coming from rural areas; internal displacement should be covered too.',
      resolution: {
        status: 'accepted',
        response:
          'Accepted. The description now refers to people moving from rural areas and small towns into larger cities, and the commitments refer to displaced and newly arrived people.',
      },
    },
    {
      network: 'Metropolis',
      areaKey: 'access-to-essential-services',
      body: 'A municipal identity card may conflict with national law in some countries. Could this commitment be worded as an option rather than an obligation?',
      resolution: {
        status: 'rejected',
        response:
          'Not retained. Endorsement is voluntary and area by area, and progress reports let a city explain what national law allows; softening the wording would weaken the commitment for the many cities that can act on it.',
      },
    },
    {
      network: 'Metropolis',
      areaKey: 'vulnerable-groups',
      body: 'Consider naming LGBTI migrants and refugees among the groups listed in the description of this area.',
      resolution: {
        status: 'noted',
        response:
          'Noted. The list in the description is illustrative, not exhaustive; the secretariat will discuss the suggestion with all four networks when preparing the next version of the pledge.',
      },
    },
  ],
};
